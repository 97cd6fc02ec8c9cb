// What other domains and the command line may use of reconciliation.
export { importStatementFile, type ImportRequest, type ImportResult, type ImportSource } from './import';
export type { ChannelLine, BankStatement, BankLine } from './types';
export { runReconciliation, type ReconRun, type RunException } from './run';
export { recordReconciliation, assignException, noteException, resolveException, refundException, writeOffException, getException } from './exceptions';
export type { ReconException, ExceptionCode } from './match';
export { fetchAndReconcile, billFetchSchedule, billSources, type BillSource, type BillFetchSchedule, type FetchRun } from './fetch';
export { recordCashDeposit, type CashDepositView } from './cash-deposits';
export { storeReconSettings, saveStoreReconSettings, chainReconSettings, saveChainReconSettings, type StoreReconSettings, type ChainReconSettings } from './settings';
