// The card terminal (刷卡机) as the till sees it: charge or refund an amount, get approved,
// declined or no answer. Real terminals and the sandbox implement the same interface.

export interface CardCharge {
  amountFen: number;
  /** The till's reference for this attempt (printed on both slips). */
  reference: string;
}

export type CardResult =
  | { status: 'approved'; terminalRef: string; authCode: string; cardLast4: string }
  | { status: 'declined'; responseCode: string; message: string }
  | { status: 'timeout' };

/** A refund (退货) against an earlier charge, named by the terminal's reference of that charge. */
export interface CardRefund {
  amountFen: number;
  /** The till's reference for this refund. */
  reference: string;
  originalTerminalRef: string;
}

export interface CardTerminal {
  charge(request: CardCharge): Promise<CardResult>;
  refund(request: CardRefund): Promise<CardResult>;
}
