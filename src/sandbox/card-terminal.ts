// A sandbox card terminal with outcomes chosen by the amount, for the demo and the tests:
// amounts ending in .51 are declined (insufficient funds), .91 time out, others are approved;
// refunds follow the same rule. With a journal (the demo's data folder) it keeps what it approved,
// from which `sandbox export` writes the acquirer's settlement file.
import { randomInt } from 'node:crypto';
import type { CardCharge, CardRefund, CardResult, CardTerminal } from '../payments/card-terminal';
import type { Clock } from '../platform/clock';
import { openJournal, type Journal } from './journal';
import { DEMO_CARD } from './demo-merchants';

/** One approved transaction, as the acquirer will settle it. */
export interface CardJournalEntry {
  /** 参考号: the terminal's reference, printed on the slip and kept on the tender. */
  reference: string;
  kind: 'charge' | 'refund';
  amountFen: number;
  /** Epoch ms. */
  at: number;
  terminalId: string;
  batch: string;
  voucher: string;
  cardLast4: string;
  /** A refund's payment (its 参考号), as the acquirer's file names it. */
  originalReference?: string;
}

let kept: { journal: Journal<CardJournalEntry>; clock: Clock } | null = null;

/**
 * Makes every sandbox terminal keep its approved transactions in `journalFile` (null: stop).
 *
 * @example keepCardJournal({ journalFile: 'data/sandbox/card-journal.jsonl', clock })
 */
export function keepCardJournal(options: { journalFile: string; clock: Clock } | null): void {
  kept = options ? { journal: openJournal<CardJournalEntry>(options.journalFile, 'reference'), clock: options.clock } : null;
}

/** The journal's transactions (none when no journal is kept there). */
export function loadCardJournal(journalFile: string): CardJournalEntry[] {
  return openJournal<CardJournalEntry>(journalFile, 'reference').load();
}

/**
 * @example await sandboxCardTerminal().charge({ amountFen: 1251, reference: 'x' }) // declined
 */
export function sandboxCardTerminal(options: { cardLast4?: string } = {}): CardTerminal {
  let seq = 0;
  // A batch number per terminal start keeps references unique across restarts, as real
  // terminals' batch + trace numbers are.
  const batch = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const answer = (request: CardCharge | CardRefund): Promise<CardResult> => {
    const cents = request.amountFen % 100;
    if (cents === 51) return Promise.resolve({ status: 'declined', responseCode: '51', message: '余额不足 (insufficient funds)' });
    if (cents === 91) return Promise.resolve({ status: 'timeout' });
    seq += 1;
    const approved = {
      status: 'approved' as const,
      terminalRef: `${batch}${String(seq).padStart(6, '0')}`,
      authCode: String((seq * 7919) % 1_000_000).padStart(6, '0'),
      cardLast4: options.cardLast4 ?? '6688',
    };
    kept?.journal.append({ reference: approved.terminalRef, kind: 'originalTerminalRef' in request ? 'refund' : 'charge', amountFen: request.amountFen, at: kept.clock.now().getTime(), terminalId: DEMO_CARD.terminalId, batch, voucher: String(seq).padStart(6, '0'), cardLast4: approved.cardLast4, ...('originalTerminalRef' in request ? { originalReference: request.originalTerminalRef } : {}) });
    return Promise.resolve(approved);
  };
  return { charge: answer, refund: answer };
}
