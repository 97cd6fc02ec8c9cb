// What other domains may use of the audit log.
export { appendAudit, appendAuditMany, configureAuditNode, verifyAudit, writeCheckpoint, type AuditEntry, type AuditNodeOptions, type AuditVerification } from './service';
export { AUDIT_KEY_ENV, auditKeyFile, ensureAuditKey, loadAuditKey } from './node-key';
export { auditRoutes } from './routes';
export { canonicalJson } from './chain';
