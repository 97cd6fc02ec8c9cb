// The normalised shapes every importer produces, so matching never sees a provider's layout.

export type Channel = 'wechat' | 'alipay' | 'aggregator' | 'card';

/** One line of a channel's bill (交易账单 / 业务明细 / acquirer settlement). */
export interface ChannelLine {
  channel: Channel;
  /** The provider's transaction id (微信订单号, 支付宝交易号, 参考号). */
  channelTxnId: string;
  /** Our out_trade_no (商户订单号), when the bill has it. */
  merchantOrderNo: string | null;
  /** Our refund number (商户退款单号 / 退款批次号) on refund lines. */
  refundNo: string | null;
  kind: 'pay' | 'refund' | 'reverse';
  /** Signed from the merchant's view: pay +, refund −. */
  grossFen: number;
  /** Fee rounded half-even to the fen (charged −, returned on refunds +). */
  feeFen: number;
  /** The fee exactly as the file states it, in yuan (WeChat gives 5 decimals). */
  feeExact: string;
  /** grossFen + feeFen. */
  netFen: number;
  /** ISO-8601 with the +08:00 offset the providers' times are in. */
  time: string;
  store: string | null;
  terminal: string | null;
  /** The physical line in the file (1-based), for messages and drill-down. */
  line: number;
}

/** A bank statement (MT940, camt.053, bank CSV), amounts signed: credit +, debit −. */
export interface BankStatement {
  account: string;
  currency: string;
  openingFen: number | null;
  closingFen: number | null;
  /** YYYY-MM-DD */
  fromDate: string | null;
  toDate: string | null;
  lines: BankLine[];
}

export interface BankLine {
  /** YYYY-MM-DD */
  valueDate: string;
  bookingDate: string | null;
  amountFen: number;
  currency: string;
  counterparty: string | null;
  /** The bank's or the sender's reference (end-to-end id, 流水号). */
  reference: string | null;
  /** 摘要 / remittance information, as given. */
  description: string;
  line: number;
}
