// Sync secrets: HQ's key that seals each node's secret at rest (`<dataDir>/keys/sync-hq.key`),
// and a store node's credential (`<dataDir>/keys/sync-node.json`), written once, mode 0600.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../platform/errors';
import { readSecretFile, writeSecretFileOnce } from '../platform/key-file';

export const SYNC_HQ_KEY_ENV = 'TILLPOINT_SYNC_HQ_KEY';

const configured = new Map<string, Buffer>();

/** Sets HQ's sealing key for the node `nodeId` (tests pass one; production reads the key file). */
export function configureSyncKey(nodeId: string, key: Buffer): void {
  if (key.length !== 32) throw new AppError('KEY_INVALID', 'The sync key must be 32 bytes.');
  configured.set(nodeId, key);
}

/** HQ's sealing key: configured, else TILLPOINT_SYNC_HQ_KEY (base64), else the key file (made on first use). */
export function syncKeyOf(nodeId: string, dataDir: string): Buffer {
  const hit = configured.get(nodeId);
  if (hit) return hit;
  const fromEnv = process.env[SYNC_HQ_KEY_ENV];
  let key: Buffer;
  if (fromEnv) key = Buffer.from(fromEnv, 'base64');
  else {
    const file = path.join(dataDir, 'keys', 'sync-hq.key');
    writeSecretFileOnce(file, randomBytes(32).toString('base64'), 'sync key', `set ${SYNC_HQ_KEY_ENV}`);
    key = Buffer.from((readSecretFile(file, 'sync key') ?? Buffer.alloc(0)).toString('utf8').trim(), 'base64');
  }
  configureSyncKey(nodeId, key);
  return key;
}

/** AES-256-GCM: base64 of iv ‖ tag ‖ ciphertext. */
export function sealSecret(key: Buffer, secret: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(secret), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

export function openSecret(key: Buffer, sealed: string): Buffer {
  const raw = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
  } catch {
    throw new AppError('KEY_INVALID', "A node secret does not open under this HQ's sync key: the key file was replaced. Restore it, or register the node again.", { status: 500 });
  }
}

const credentialSchema = z.object({ nodeId: z.string(), secret: z.string().min(40), storeId: z.string(), storeCode: z.string() });
export type NodeCredential = z.infer<typeof credentialSchema>;

export function credentialFile(dataDir: string): string {
  return path.join(dataDir, 'keys', 'sync-node.json');
}

/** Writes a node credential to `file` (refuses to replace one). */
export function writeCredential(file: string, credential: NodeCredential): void {
  if (fs.existsSync(file)) throw new AppError('CONFLICT', `${file} exists already: this store node is registered. Remove the file first to re-register.`);
  writeSecretFileOnce(file, `${JSON.stringify(credential, null, 2)}\n`, 'sync credential', 'choose another --key-out FILE');
}

/** The store node's credential, or an error that says how to get one. */
export function readCredential(dataDir: string): NodeCredential {
  const file = credentialFile(dataDir);
  const bytes = readSecretFile(file, 'sync credential');
  if (!bytes) {
    throw new AppError('SYNC_NOT_REGISTERED', `This store node has no sync credential (${file}). On HQ run "tillpoint sync register --store CODE --key-out FILE" and copy FILE to ${file}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    json = null;
  }
  const parsed = credentialSchema.safeParse(json);
  if (!parsed.success) throw new AppError('KEY_INVALID', `${file} is not a sync credential; register the node again.`);
  return parsed.data;
}
