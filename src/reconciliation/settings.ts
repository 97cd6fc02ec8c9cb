// Reconciliation settings (strategies that vary by merchant): when each store's bills are fetched
// (its own time, in its time zone) and which words make a bank credit a cash deposit (the chain's
// bank). Kept in the settings table as JSON.
import { z } from 'zod';
import { readSetting, writeSetting } from '../platform/db/index';
import { AppError } from '../platform/errors';
import type { Ctx } from '../platform/context';
import { CASH_DEPOSIT_WORDS } from './match-cash';

/** 10:00 on T+1: the providers publish the day's bills between 09:00 and 10:00 Beijing time. */
export const DEFAULT_FETCH_AT = '10:00';
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export interface StoreReconSettings {
  /** HH:MM in the store's time zone: when the store's bills of T−1 (and again T−2) are fetched and the days reconciled. */
  fetchAt: string;
}

export interface ChainReconSettings {
  /** Words in a credit's 摘要, reference or counterparty that make it a cash deposit. */
  cashDepositWords: string[];
}

const storeSchema = z.object({ fetchAt: z.string().default(DEFAULT_FETCH_AT) });
const chainSchema = z.object({ cashDepositWords: z.array(z.string()).default([...CASH_DEPOSIT_WORDS]) });

/** Refuses a fetch time that is not HH:MM. */
export function assertFetchAt(fetchAt: string): void {
  if (!HHMM.test(fetchAt)) throw new AppError('VALIDATION_FAILED', `The bill fetch time "${fetchAt}" must be HH:MM in the store's time zone, e.g. 10:00.`, { status: 400, details: { field: 'fetchAt' } });
}

/** A store's settings; `defaults` stand for what the store has not set (the node's `TILLPOINT_RECON_FETCH_AT`). */
export async function storeReconSettings(ctx: Ctx, storeId: string, defaults: StoreReconSettings = { fetchAt: DEFAULT_FETCH_AT }): Promise<StoreReconSettings> {
  const raw = await readSetting(ctx.db, `recon:${storeId}`);
  return storeSchema.parse({ ...defaults, ...(raw ? (JSON.parse(raw) as object) : {}) });
}

export async function chainReconSettings(ctx: Ctx): Promise<ChainReconSettings> {
  const raw = await readSetting(ctx.db, 'recon');
  return chainSchema.parse(raw ? JSON.parse(raw) : {});
}

/**
 * Sets a store's bill fetch time.
 *
 * @example await saveStoreReconSettings(ctx, storeId, { fetchAt: '11:30' })
 */
export async function saveStoreReconSettings(ctx: Ctx, storeId: string, settings: StoreReconSettings): Promise<StoreReconSettings> {
  assertFetchAt(settings.fetchAt);
  const parsed = storeSchema.parse(settings);
  await writeSetting(ctx.db, `recon:${storeId}`, JSON.stringify(parsed));
  return parsed;
}

/**
 * Sets the words that make a bank credit a cash deposit.
 *
 * @example await saveChainReconSettings(ctx, { cashDepositWords: ['现金存款', '现金缴存'] })
 */
export async function saveChainReconSettings(ctx: Ctx, settings: ChainReconSettings): Promise<ChainReconSettings> {
  const words = settings.cashDepositWords.map((w) => w.trim()).filter((w) => w !== '');
  if (words.length === 0) throw new AppError('VALIDATION_FAILED', 'Give at least one word that marks a cash deposit on the bank statement, e.g. 现金存款.', { status: 400, details: { field: 'cashDepositWords' } });
  const parsed = { cashDepositWords: words };
  await writeSetting(ctx.db, 'recon', JSON.stringify(parsed));
  return parsed;
}
