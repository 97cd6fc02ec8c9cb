// Zod schemas of the audit trail's HTTP shapes (OpenAPI, the back office and tests read them).
import { z } from 'zod';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A calendar date (that whole day in the store's zone) or an ISO instant with its offset. */
const DayOrInstant = z.union([z.string().regex(DATE), z.string().datetime({ offset: true })]);

export const AuditTrailQuery = z.object({
  from: DayOrInstant.optional().describe('YYYY-MM-DD (from that day 00:00 in the store zone) or an ISO instant, inclusive'),
  to: DayOrInstant.optional().describe('YYYY-MM-DD (through the end of that day in the store zone) or an ISO instant, exclusive'),
  actor: z.string().min(1).max(64).optional().describe('username, or part of a display name'),
  action: z.string().min(1).max(64).optional().describe('an action (sale.completed) or its type (sale)'),
  store: z.string().min(1).max(16).optional().describe('store code'),
  node: z.string().min(1).max(64).optional().describe("a node's chain; this node's by default"),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().min(1).optional().describe('cursor: only records with a smaller seq (the previous page\'s nextBefore)'),
});
export type AuditTrailQuery = z.infer<typeof AuditTrailQuery>;

export const AuditRecordOut = z.object({
  nodeId: z.string(),
  seq: z.number().int(),
  id: z.string(),
  at: z.string(),
  action: z.string(),
  docType: z.string(),
  docId: z.string(),
  actor: z.object({ id: z.string(), username: z.string(), displayName: z.string() }).nullable(),
  storeCode: z.string().nullable(),
  data: z.unknown(),
  hash: z.string(),
});
export type AuditRecordOut = z.infer<typeof AuditRecordOut>;

export const AuditTrailOut = z.object({
  nodeId: z.string(),
  records: z.array(AuditRecordOut),
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextBefore: z.number().int().nullable(),
});
export type AuditTrailOut = z.infer<typeof AuditTrailOut>;
