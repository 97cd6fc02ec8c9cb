// Charging a customer's payment code and driving the attempt to a final state (no 掉单): the
// merchant order number is stored before the provider is called; a wait for the customer's
// password or an unclear answer is queried at the channel's pace until its time is up, then the
// order is reversed (撤销). A restart finds unfinished attempts and settles them the same way.
import { randomInt } from 'node:crypto';
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import type { Ctx } from '../platform/context';
import { wechatChannel, wechatV3Keys, type WechatConfig } from './wechat-client';
import { alipayChannel, type AlipayConfig } from './alipay-client';
import { aggregatorChannel, type AggregatorConfig } from './aggregator-client';
import { ChannelUnreachable, type ChannelAnswer, type CodeChannel } from './code-channel';
import { canMove, OPEN_STATUSES, type PaymentStatus } from './payment-state';

export type WalletChannel = 'wechat' | 'alipay' | 'unionpay' | 'ecny';

/** What a store's wallet payments need: provider settings and how to wait between queries. */
export interface WalletSettings {
  wechat?: WechatConfig;
  alipay?: AlipayConfig;
  /** UnionPay QuickPass and e-CNY go through the store's aggregator (聚合支付). */
  aggregator?: AggregatorConfig;
  /** Waits between queries; tests pass one that moves a manual clock instead of sleeping. */
  wait: (ms: number) => Promise<void>;
}

const MAX_REVERSALS = 3;

const settingsByStore = new Map<string, WalletSettings>();
/** Carts whose cashier pressed cancel while the customer was still confirming. */
const cancelRequested = new Set<string>();

/**
 * Asks the payment in progress for a cart to stop waiting: it is reversed at the next query.
 * Returns false when no payment of that cart is waiting.
 */
export async function requestPaymentCancel(ctx: Ctx, storeId: string, cartId: string): Promise<boolean> {
  const open = await ctx.db.selectFrom('payments').select('id').where('store_id', '=', storeId).where('cart_id', '=', cartId).where('status', 'in', [...OPEN_STATUSES]).executeTakeFirst();
  if (!open) return false;
  cancelRequested.add(cartId);
  return true;
}
const realWait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function configureWallets(storeId: string | '*', settings: Partial<WalletSettings>): void {
  settingsByStore.set(storeId, { wait: realWait, ...settings });
}

function settingsFor(storeId: string): WalletSettings {
  return settingsByStore.get(storeId) ?? settingsByStore.get('*') ?? { wait: realWait };
}

/** A store's WeChat Pay settings, if it takes WeChat Pay. */
export function wechatConfigFor(storeId: string): WechatConfig | undefined {
  return settingsFor(storeId).wechat;
}

/** Every configured WeChat Pay merchant with API v3 keys: whom a WeChat notification may be for. */
export function wechatV3Configs(): WechatConfig[] {
  return [...settingsByStore.values()].flatMap((s) => (s.wechat?.v3 ? [s.wechat] : []));
}

function channelFor(settings: WalletSettings, channel: string): CodeChannel | undefined {
  if (channel === 'wechat' && settings.wechat) return wechatChannel(settings.wechat);
  if (channel === 'alipay' && settings.alipay) return alipayChannel(settings.alipay);
  if ((channel === 'unionpay' || channel === 'ecny') && settings.aggregator) return aggregatorChannel(settings.aggregator, channel);
  return undefined;
}

/**
 * The channel that refunds a store's payment made through `channel`, or PAYMENT_METHOD_UNAVAILABLE
 * when the store cannot refund it (not set up; WeChat Pay without its API v3 keys).
 */
export function refundChannelFor(storeId: string, channel: string): CodeChannel {
  const settings = settingsFor(storeId);
  if (channel === 'wechat' && settings.wechat) wechatV3Keys(settings.wechat);
  const found = channelFor(settings, channel);
  if (!found) throw new AppError('PAYMENT_METHOD_UNAVAILABLE', `${channel} refunds are not set up for this store. Refund in cash, or set the channel up first.`);
  return found;
}

/** Asks the channel, turning an unreachable provider into an unknown outcome. */
async function ask(fn: () => Promise<ChannelAnswer>, what: string): Promise<ChannelAnswer> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof ChannelUnreachable)) throw err;
    return { status: 'unknown', errorCode: 'TIMEOUT', message: `${what}: ${err.message}` };
  }
}

export interface PaymentResult {
  id: string;
  status: PaymentStatus;
  merchantOrderNo: string;
  channelTxnId: string | null;
  errorCode: string | null;
  message: string | null;
}

/** A payment attempt as the state machine drives it: the result plus its store. */
interface Attempt extends PaymentResult {
  storeId: string;
}

async function move(ctx: Ctx, p: Attempt, to: PaymentStatus, fields: { channelTxnId?: string | null; errorCode?: string | null; message?: string | null } = {}): Promise<void> {
  if (!canMove(p.status, to)) throw new AppError('INTERNAL', `Payment ${p.id} cannot go from ${p.status} to ${to}.`);
  await ctx.db
    .updateTable('payments')
    .set({
      status: to,
      ...(fields.channelTxnId !== undefined ? { channel_txn_id: fields.channelTxnId } : {}),
      ...(fields.errorCode !== undefined ? { error_code: fields.errorCode } : {}),
      ...(fields.message !== undefined ? { error_message: fields.message } : {}),
      updated_at: ctx.clock.now().toISOString(),
    })
    .where('store_id', '=', p.storeId)
    .where('id', '=', p.id)
    .execute();
  p.status = to;
  if (fields.channelTxnId !== undefined) p.channelTxnId = fields.channelTxnId;
  if (fields.errorCode !== undefined) p.errorCode = fields.errorCode;
  if (fields.message !== undefined) p.message = fields.message;
}

/** `{store}{yyyyMMddHHmmss}{6 random digits}`: unique, at most 32 characters, as WeChat asks. */
function merchantOrderNo(storeCode: string, now: Date): string {
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
  return `${storeCode.replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}${stamp}${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
}

/**
 * Charges `amountFen` to a customer's payment code and returns the final state (or `unknown`
 * when the provider cannot be reached; the recovery job settles those).
 */
export async function chargePaymentCode(
  ctx: Ctx,
  input: { storeId: string; storeCode: string; cartId: string; channel: WalletChannel; authCode: string; amountFen: number; description: string },
): Promise<PaymentResult> {
  const settings = settingsFor(input.storeId);
  const channel = channelFor(settings, input.channel);
  if (!channel) {
    throw new AppError('PAYMENT_METHOD_UNAVAILABLE', `${input.channel} payments are not set up for this store yet. Take another method.`);
  }
  const now = ctx.clock.now();
  const p: Attempt = { storeId: input.storeId, id: newId(), status: 'created', merchantOrderNo: merchantOrderNo(input.storeCode, now), channelTxnId: null, errorCode: null, message: null };
  await ctx.db
    .insertInto('payments')
    .values({
      store_id: p.storeId,
      id: p.id,
      cart_id: input.cartId,
      sale_id: null,
      channel: input.channel,
      merchant_order_no: p.merchantOrderNo,
      amount_fen: input.amountFen,
      status: 'paying',
      channel_txn_id: null,
      auth_code_tail: input.authCode.slice(-4),
      error_code: null,
      error_message: null,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    })
    .execute();
  p.status = 'paying';
  ctx.log.info({ paymentId: p.id, merchantOrderNo: p.merchantOrderNo, amountFen: input.amountFen }, 'charging payment code');
  const outcome = await ask(() => channel.pay({ merchantOrderNo: p.merchantOrderNo, amountFen: input.amountFen, authCode: input.authCode, subject: input.description }), 'pay');
  await move(ctx, p, outcome.status, { channelTxnId: outcome.channelTxnId ?? null, errorCode: outcome.errorCode ?? null, message: outcome.message ?? null });
  const settled = p as Attempt; // move() changed the status behind the compiler's back
  if (settled.status === 'user_paying' || settled.status === 'unknown') {
    try {
      await settle(ctx, channel, settings.wait, p, now.getTime(), () => cancelRequested.has(input.cartId));
    } finally {
      cancelRequested.delete(input.cartId);
    }
  }
  return { id: p.id, status: p.status, merchantOrderNo: p.merchantOrderNo, channelTxnId: p.channelTxnId, errorCode: p.errorCode, message: p.message };
}

/** Queries until final or the time is up, then cancels (repeating while the provider asks). */
async function settle(ctx: Ctx, channel: CodeChannel, wait: (ms: number) => Promise<void>, p: Attempt, startedAt: number, cancelled: () => boolean = () => false): Promise<void> {
  while (ctx.clock.now().getTime() - startedAt < channel.giveUpAfterMs && !cancelled()) {
    await wait(channel.queryEveryMs);
    const answer = await ask(() => channel.query(p.merchantOrderNo), 'query');
    if (answer.status === 'succeeded' || answer.status === 'failed' || answer.status === 'cancelled') {
      await move(ctx, p, answer.status, { channelTxnId: answer.channelTxnId ?? null, errorCode: answer.errorCode ?? null, message: answer.message ?? null });
      return;
    }
    if (answer.status === 'user_paying' && p.status !== 'user_paying') await move(ctx, p, 'user_paying');
  }
  await cancel(ctx, channel, p);
}

async function cancel(ctx: Ctx, channel: CodeChannel, p: Attempt): Promise<void> {
  for (let i = 0; i < MAX_REVERSALS; i++) {
    try {
      if ((await channel.cancel(p.merchantOrderNo)) === 'done') {
        await move(ctx, p, 'cancelled', { errorCode: 'REVERSED', message: 'The customer did not confirm in time; the payment was reversed (撤销).' });
        return;
      }
    } catch (err) {
      if (!(err instanceof ChannelUnreachable)) throw err;
    }
  }
  // Still unclear: left for the recovery job (an open attempt becomes unknown), never as paid.
  if (p.status === 'paying' || p.status === 'user_paying') await move(ctx, p, 'unknown', { errorCode: 'REVERSE_PENDING' });
}

/** Marks the payments of a sale as part of it (in the sale's transaction). */
export async function attachPaymentsToSale(ctx: Ctx, storeId: string, merchantOrderNos: readonly string[], saleId: string): Promise<void> {
  if (merchantOrderNos.length === 0) return;
  await ctx.db.updateTable('payments').set({ sale_id: saleId }).where('store_id', '=', storeId).where('merchant_order_no', 'in', [...merchantOrderNos]).execute();
}

export interface RecoveryOptions {
  /** Only attempts untouched for this long (a live attempt is updated every few seconds). */
  idleForMs?: number;
  /** Attempts whose cart is still open at a till are left to that till. */
  cartIsOpen?: (cartId: string) => boolean;
}

/**
 * Settles attempts nobody is driving any more: at start (open carts are gone with the old
 * process) and then periodically for stragglers. Each is reversed, so no customer pays for a
 * sale that does not exist (no 掉单). Returns how many were reversed.
 */
export async function recoverPayments(ctx: Ctx, options: RecoveryOptions = {}): Promise<number> {
  const idleSince = new Date(ctx.clock.now().getTime() - (options.idleForMs ?? 0)).toISOString();
  const rows = await ctx.db
    .selectFrom('payments')
    .select(['store_id', 'id', 'status', 'merchant_order_no', 'sale_id', 'channel', 'cart_id'])
    .where((eb) => eb.or([eb('status', 'in', [...OPEN_STATUSES]), eb.and([eb('status', '=', 'succeeded'), eb('sale_id', 'is', null)])]))
    .where('updated_at', '<=', idleSince)
    .execute();
  const open = rows.filter((r) => !options.cartIsOpen?.(r.cart_id));
  let settled = 0;
  for (const row of open) {
    const channel = channelFor(settingsFor(row.store_id), row.channel);
    if (!channel) continue;
    const p: Attempt = { storeId: row.store_id, id: row.id, status: row.status as PaymentStatus, merchantOrderNo: row.merchant_order_no, channelTxnId: null, errorCode: null, message: null };
    await cancel(ctx, channel, p);
    if (p.status === 'cancelled') settled += 1;
  }
  return settled;
}
