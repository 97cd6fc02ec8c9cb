// Where a node's personal-data keys come from: TILLPOINT_PII_KEYS (the key-ring line or JSON)
// or <dataDir>/keys/pii.json, made on first start. The member QR secret is derived from the
// ring's index key with its own label, so one key file serves both.
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { AppError } from '../platform/errors';
import { readSecretFile, replaceSecretFile, writeSecretFileOnce } from '../platform/key-file';
import { formatKeyRing, generateKeyRing, loadKeyRing, rotateKeyRing, type KeyRing } from './pii';

export const PII_KEYS_ENV = 'TILLPOINT_PII_KEYS';

export interface MemberKeys {
  ring: KeyRing;
  /** Signs the portal's dynamic member QR codes. */
  qrSecret: Buffer;
}

export function piiKeyFile(dataDir: string): string {
  return path.join(dataDir, 'keys', 'pii.json');
}

export function memberKeysFrom(ring: KeyRing): MemberKeys {
  return { ring, qrSecret: createHmac('sha256', ring.indexKey).update('tillpoint member qr v1').digest() };
}

/**
 * The node's member keys, making the key file on first start when the environment names none.
 *
 * @example configureMemberKeys(nodeId, ensureMemberKeys({ dataDir: config.dataDir }))
 */
export function ensureMemberKeys(source: { dataDir: string; env?: NodeJS.ProcessEnv }): MemberKeys {
  const fromEnv = (source.env ?? process.env)[PII_KEYS_ENV]?.trim();
  if (fromEnv) return memberKeysFrom(loadKeyRing(fromEnv));
  const file = piiKeyFile(source.dataDir);
  let text = readSecretFile(file, 'personal-data keys');
  if (!text) {
    writeSecretFileOnce(file, formatKeyRing(generateKeyRing()), 'personal-data keys', `set ${PII_KEYS_ENV}`);
    text = readSecretFile(file, 'personal-data keys');
  }
  return memberKeysFrom(loadKeyRing(text?.toString('utf8') ?? ''));
}

/**
 * Adds a new current data key to the node's key file (old keys stay, to open older data) and
 * returns the new keys; refuses when the keys come from the environment.
 */
export function rotateMemberKeyFile(source: { dataDir: string; env?: NodeJS.ProcessEnv }): MemberKeys {
  if ((source.env ?? process.env)[PII_KEYS_ENV]?.trim()) {
    throw new AppError('KEYS_FROM_ENV', `The personal-data keys come from ${PII_KEYS_ENV}: add a new current key there (keep the old ones), restart, then run \`tillpoint members reseal\`.`);
  }
  const rotated = rotateKeyRing(ensureMemberKeys(source).ring);
  replaceSecretFile(piiKeyFile(source.dataDir), formatKeyRing(rotated), 'personal-data keys');
  return memberKeysFrom(rotated);
}
