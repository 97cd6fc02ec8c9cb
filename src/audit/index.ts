// What other domains may use of the audit log.
export { appendAudit, verifyAudit, type AuditEntry, type AuditVerification } from './service';
