// What other domains and the command line may use of reconciliation.
export { importStatementFile, type ImportRequest, type ImportResult, type ImportSource } from './import';
export type { ChannelLine, BankStatement, BankLine } from './types';
