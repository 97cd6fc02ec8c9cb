// The node key that signs audit checkpoints: from TILLPOINT_AUDIT_KEY (base64) or a key file in
// the data folder, made on first start. It never goes into the database, so someone who can
// rewrite the database cannot re-sign a rewritten chain.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { AppError } from '../platform/errors';
import { readSecretFile, writeSecretFileOnce } from '../platform/key-file';

export const AUDIT_KEY_ENV = 'TILLPOINT_AUDIT_KEY';
const KEY_BYTES = 32;

/** Where the key file of a data folder lives. */
export function auditKeyFile(dataDir: string): string {
  return path.join(dataDir, 'keys', 'audit-node.key');
}

export interface AuditKeySource {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The node's audit key if it has one: env `TILLPOINT_AUDIT_KEY` (base64 of at least 32 bytes)
 * wins, else `<dataDir>/keys/audit-node.key` (32 raw bytes). `audit verify` only reads.
 *
 * @example const key = loadAuditKey({ dataDir: config.dataDir }) // null on a fresh folder
 */
export function loadAuditKey(source: AuditKeySource): Buffer | null {
  const fromEnv = (source.env ?? process.env)[AUDIT_KEY_ENV]?.trim();
  if (fromEnv) {
    const key = Buffer.from(fromEnv, 'base64');
    if (key.length < KEY_BYTES || key.toString('base64').replace(/=+$/, '') !== fromEnv.replace(/=+$/, '')) {
      throw new AppError('CONFIG_INVALID', `${AUDIT_KEY_ENV} must be base64 of at least ${KEY_BYTES} bytes (e.g. from: openssl rand -base64 32).`);
    }
    return key;
  }
  return readKeyFile(auditKeyFile(source.dataDir));
}

/**
 * The node's audit key, making the key file (32 random bytes, mode 0600) on first start.
 *
 * @example configureAuditNode(nodeId, { key: ensureAuditKey({ dataDir: config.dataDir }) })
 */
export function ensureAuditKey(source: AuditKeySource): Buffer {
  const existing = loadAuditKey(source);
  if (existing) return existing;
  const file = auditKeyFile(source.dataDir);
  writeSecretFileOnce(file, randomBytes(KEY_BYTES), 'audit key', `set ${AUDIT_KEY_ENV}`);
  const made = readKeyFile(file);
  if (!made) throw new AppError('INTERNAL', `The audit key ${file} vanished after it was written.`);
  return made;
}

function readKeyFile(file: string): Buffer | null {
  const key = readSecretFile(file, 'audit key');
  if (key && key.length < KEY_BYTES) throw new AppError('AUDIT_KEY_UNREADABLE', `The audit key ${file} is ${key.length} bytes, not ${KEY_BYTES}: it is damaged. Restore it from backup.`);
  return key;
}
