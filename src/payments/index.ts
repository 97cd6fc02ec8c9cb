// What other domains may use of payments: the card terminal of a store.
import { sandboxCardTerminal } from '../sandbox/card-terminal';
import type { CardTerminal } from './card-terminal';

export type { CardTerminal, CardCharge, CardResult } from './card-terminal';

const terminals = new Map<string, CardTerminal>();
const sandbox = sandboxCardTerminal();

/** The store's card terminal; the sandbox terminal until a real one is configured. */
export function cardTerminalFor(storeId: string): CardTerminal {
  return terminals.get(storeId) ?? sandbox;
}

export function setCardTerminal(storeId: string, terminal: CardTerminal): void {
  terminals.set(storeId, terminal);
}

export { chargePaymentCode, attachPaymentsToSale, recoverPayments, configureWallets, requestPaymentCancel, type PaymentResult, type RecoveryOptions, type WalletChannel, type WalletSettings } from './service';
export type { WechatConfig } from './wechat-client';
export type { AlipayConfig } from './alipay-client';
export type { AggregatorConfig } from './aggregator-client';
