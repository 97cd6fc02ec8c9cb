// Runs benchmarks by subject and prints one JSON document: `npx tsx bench/run.ts platform`.
import { benchPlatform } from './platform';
import { benchCheckout } from './checkout';
import { benchAudit } from './audit';
import { benchReports } from './reports';
import { benchInventory } from './inventory';
import { benchReturns } from './returns';
import { benchPayments } from './payments';
import { benchMembers } from './members';
import { benchStockMoves } from './stock-moves';
import { benchSync } from './sync';
import { benchRecon } from './recon';
import { printJson } from './harness';

export const SUBJECTS: Record<string, () => Promise<unknown>> = {
  sync: () => benchSync(),
  recon: () => benchRecon(),
  returns: () => benchReturns(),
  payments: () => benchPayments(),
  members: () => benchMembers(),
  'stock-moves': () => benchStockMoves(),
  platform: () => benchPlatform(),
  checkout: () => benchCheckout(),
  audit: () => benchAudit(),
  reports: () => benchReports(),
  inventory: () => benchInventory(),
};

export async function runBench(subjects: string[]): Promise<unknown> {
  const unknown = subjects.filter((s) => !(s in SUBJECTS));
  if (unknown.length > 0) throw new Error(`Unknown bench subject ${unknown.join(', ')}; known: ${Object.keys(SUBJECTS).join(', ')}.`);
  const results = [];
  for (const s of subjects) results.push(await SUBJECTS[s]?.());
  return results.length === 1 ? results[0] : results;
}

if (process.argv[1]?.endsWith('run.ts')) {
  const subjects = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  printJson(await runBench(subjects.length ? subjects : Object.keys(SUBJECTS)));
}
