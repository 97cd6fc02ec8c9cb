// What other domains may use of returns.
export { createReturn, retryReturn, resumeReturns, receiptForReturn, listReturns, type ReturnView, type ReturnInput, type ReturnCompletedEvent } from './service';
export { REASON_CODES, type ReasonCode } from './schema';
export { DEFAULT_RETURN_POLICY, type ReturnPolicy } from './policy';
