// What other domains may use of payments: the card terminal of a store, wallet charges and
// their recovery, and refunds.
import { sandboxCardTerminal } from '../sandbox/card-terminal';
import type { CardTerminal } from './card-terminal';

export type { CardTerminal, CardCharge, CardRefund, CardResult } from './card-terminal';

const sandbox = sandboxCardTerminal();

/** The store's card terminal: the sandbox terminal until real terminal adapters land. */
export function cardTerminalFor(_storeId: string): CardTerminal {
  return sandbox;
}

export { chargePaymentCode, attachPaymentsToSale, recoverPayments, configureWallets, requestPaymentCancel, type PaymentResult, type RecoveryOptions, type WalletChannel, type WalletSettings } from './service';
export { refundPayment, settleRefunds, type RefundRequest, type RefundResult, type RefundStatus } from './refunds';
export type { WechatConfig } from './wechat-client';
export type { WechatV3Keys } from './wechat-v3';
export type { AlipayConfig } from './alipay-client';
export type { AggregatorConfig } from './aggregator-client';
