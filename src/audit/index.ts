// What other domains may use of the audit log.
export { appendAudit, appendAuditMany, verifyAudit, type AuditEntry, type AuditVerification } from './service';
