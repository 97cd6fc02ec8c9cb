// Personal data at rest (DESIGN §3): AES-256-GCM under a rotatable key ring, and an HMAC blind
// index so a member is found by phone without the phone being stored in plaintext.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { AppError } from '../platform/errors';
import { isNormalisedPhone } from './phone';

/**
 * The keys personal data is sealed with. `keys` holds every data key still needed to open old
 * records; new records use `currentKeyId`. `indexKey` keys the blind index and never rotates
 * with the data keys, so lookups keep working across a rotation.
 */
export interface KeyRing {
  currentKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
  indexKey: Buffer;
}

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Key ids sit between dots in the sealed text, so they may not contain one.
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Reads a key ring from a key file's text or an environment variable. Two forms:
 * JSON `{"current":"k2","keys":{"k1":"<base64>","k2":"<base64>"},"index":"<base64>"}`, or the
 * one-line `current=k2;index=<base64>;k1=<base64>;k2=<base64>` for an env variable. Every key
 * is 32 random bytes in base64. Throws PII_KEYS_INVALID naming what to fix; the message never
 * contains key material.
 *
 * @example loadKeyRing(readFileSync('data/pii-keys.json', 'utf8')).currentKeyId // 'k1'
 * @example loadKeyRing(process.env.TILLPOINT_PII_KEYS ?? '')
 */
export function loadKeyRing(source: string): KeyRing {
  const text = source.trim();
  if (text === '') throw keysInvalid('The personal-data key source is empty. Point it at the key file, or set the key variable; `generateKeyRing` makes one.');
  const raw = text.startsWith('{') ? fromJson(text) : fromLine(text);

  const keys = new Map<string, Buffer>();
  for (const [id, value] of raw.keys) {
    if (!KEY_ID.test(id)) {
      throw keysInvalid(`Key id "${id}" is not usable: use 1–32 letters, digits, "_" or "-".`, { keyId: id });
    }
    keys.set(id, decodeKey(value, `key ${id}`));
  }
  if (keys.size === 0) throw keysInvalid('The key ring holds no data keys. Add at least the current key.');
  if (!raw.current) throw keysInvalid('The key ring does not say which key is current. Set "current" to one of its key ids.');
  if (!keys.has(raw.current)) {
    throw keysInvalid(`The current key "${raw.current}" is not among the keys (${[...keys.keys()].join(', ')}). Add it or name another.`, {
      keyId: raw.current,
    });
  }
  if (raw.index === undefined) throw keysInvalid('The key ring has no index key. Add "index", a separate 32-byte key for phone lookups.');
  const indexKey = decodeKey(raw.index, 'the index key');
  for (const [id, key] of keys) {
    if (key.equals(indexKey)) throw keysInvalid(`The index key is the same as data key ${id}. Generate a separate index key.`, { keyId: id });
  }
  return { currentKeyId: raw.current, keys, indexKey };
}

/**
 * Makes a fresh key ring for a first start: one data key `k1` and an index key.
 *
 * @example writeFileSync(keyFile, formatKeyRing(generateKeyRing()), { mode: 0o600 })
 */
export function generateKeyRing(): KeyRing {
  return { currentKeyId: 'k1', keys: new Map([['k1', randomBytes(KEY_BYTES)]]), indexKey: randomBytes(KEY_BYTES) };
}

/**
 * Adds a fresh data key and makes it current; older keys stay so old records still open, and
 * the index key stays so lookups still match. Reseal with `resealPii`, then drop old keys.
 *
 * @example rotateKeyRing(ring).currentKeyId // 'k2' after a ring holding k1
 */
export function rotateKeyRing(ring: KeyRing): KeyRing {
  let n = ring.keys.size + 1;
  while (ring.keys.has(`k${n}`)) n += 1;
  const id = `k${n}`;
  return { currentKeyId: id, keys: new Map([...ring.keys, [id, randomBytes(KEY_BYTES)]]), indexKey: ring.indexKey };
}

/**
 * The key file text for a key ring (JSON, as `loadKeyRing` reads it). It holds secrets:
 * write it with mode 0600 and never log it.
 *
 * @example loadKeyRing(formatKeyRing(ring)).currentKeyId === ring.currentKeyId // true
 */
export function formatKeyRing(ring: KeyRing): string {
  const keys = Object.fromEntries([...ring.keys].map(([id, key]) => [id, key.toString('base64')]));
  return `${JSON.stringify({ current: ring.currentKeyId, keys, index: ring.indexKey.toString('base64') }, null, 2)}\n`;
}

/**
 * Encrypts one personal-data value with the current key: `v1.{keyId}.{iv}.{ciphertext+tag}`,
 * base64url, a random 12-byte IV each time, and `v1.{keyId}` authenticated as associated data
 * so a record cannot be relabelled to another key.
 *
 * @example sealPii(ring, '13800138000') // 'v1.k1.3q2m….Yx9…'
 */
export function sealPii(ring: KeyRing, plaintext: string): string {
  const keyId = ring.currentKeyId;
  const key = dataKey(ring, keyId);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`${VERSION}.${keyId}`, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${keyId}.${iv.toString('base64url')}.${body.toString('base64url')}`;
}

/**
 * Decrypts a value made by `sealPii` with whichever key of the ring sealed it. Throws
 * PII_DECRYPT_FAILED (status 500: the data or the key ring is wrong, not the request) when the
 * text is malformed, its key is not in the ring, or it was altered; `details.reason` says which.
 *
 * @example openPii(ring, sealPii(ring, '13800138000')) // '13800138000'
 */
export function openPii(ring: KeyRing, sealed: string): string {
  const { keyId, iv, body } = parseSealed(sealed);
  const key = ring.keys.get(keyId);
  if (!key) {
    throw decryptFailed(
      'unknown_key',
      `A personal-data record is sealed with key "${keyId}", which is not in the key ring. Put the retired key back into the key file.`,
      keyId,
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(`${VERSION}.${keyId}`, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch (cause) {
    throw decryptFailed(
      'auth_failed',
      `A personal-data record sealed with key "${keyId}" does not decrypt: it was altered, or the key file holds a different key under that id.`,
      keyId,
      cause,
    );
  }
}

/**
 * The blind index of a normalised mobile number: HMAC-SHA256 under the index key, hex. Equal
 * numbers give equal indexes, so a unique index on it finds and de-duplicates members; it does
 * not change when data keys rotate. Throws VALIDATION_FAILED for a number not in normal form,
 * because an un-normalised number would silently never match.
 *
 * @example blindIndex(ring, '13800138000') // '5f0c…' (64 hex digits)
 */
export function blindIndex(ring: KeyRing, normalisedPhone: string): string {
  if (!isNormalisedPhone(normalisedPhone)) {
    throw new AppError('VALIDATION_FAILED', 'The blind index takes a normalised mobile number (11 digits); call normalisePhone first.', {
      status: 500,
    });
  }
  // The "phone:" label keeps this index apart from any other field indexed with the same key.
  return keyedIndex(ring, 'phone', normalisedPhone);
}

/**
 * The blind index of a WeChat openid (labelled apart from phone numbers), so one WeChat user
 * binds one member and is found without decrypting.
 *
 * @example openidIndex(ring, 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o') // 64 hex digits
 */
export function openidIndex(ring: KeyRing, openid: string): string {
  return keyedIndex(ring, 'wechat-openid', openid);
}

function keyedIndex(ring: KeyRing, label: string, value: string): string {
  return createHmac('sha256', ring.indexKey).update(`${label}:${value}`, 'utf8').digest('hex');
}

/**
 * True when a sealed value uses a key other than the current one, so the rotation command
 * should reseal it. Reads only the header.
 *
 * @example needsRotation(rotateKeyRing(ring), sealPii(ring, 'x')) // true
 */
export function needsRotation(ring: KeyRing, sealed: string): boolean {
  return parseSealed(sealed).keyId !== ring.currentKeyId;
}

/**
 * Re-encrypts a sealed value under the current key; a value already under it comes back as is.
 *
 * @example openPii(next, resealPii(next, oldSealed)) === openPii(next, oldSealed) // true
 */
export function resealPii(ring: KeyRing, sealed: string): string {
  return needsRotation(ring, sealed) ? sealPii(ring, openPii(ring, sealed)) : sealed;
}

interface RawKeyRing {
  current: string | undefined;
  keys: Map<string, string>;
  index: string | undefined;
}

function fromJson(text: string): RawKeyRing {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw keysInvalid('The key file is not valid JSON. Expected {"current":"k1","keys":{"k1":"<base64>"},"index":"<base64>"}.');
  }
  const obj = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const keys = obj.keys;
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
    throw keysInvalid('The key file has no "keys" object. Expected "keys": {"k1": "<base64>"}.');
  }
  for (const [id, value] of Object.entries(keys)) {
    if (typeof value !== 'string') throw keysInvalid(`Key ${id} must be a base64 string.`, { keyId: id });
  }
  if (obj.current !== undefined && typeof obj.current !== 'string') throw keysInvalid('"current" must be a key id string.');
  if (obj.index !== undefined && typeof obj.index !== 'string') throw keysInvalid('"index" must be a base64 string.');
  return { current: obj.current, keys: new Map(Object.entries(keys as Record<string, string>)), index: obj.index };
}

function fromLine(text: string): RawKeyRing {
  const raw: RawKeyRing = { current: undefined, keys: new Map(), index: undefined };
  for (const part of text.split(/[;\s]+/).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw keysInvalid('The key variable must look like current=k1;index=<base64>;k1=<base64>.');
    const name = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (name === 'current') raw.current = value;
    else if (name === 'index') raw.index = value;
    else if (raw.keys.has(name)) throw keysInvalid(`Key ${name} is given twice. Keep one.`, { keyId: name });
    else raw.keys.set(name, value);
  }
  return raw;
}

function decodeKey(value: string, what: string): Buffer {
  if (!BASE64.test(value) && !(BASE64URL.test(value) && value.length === 43)) {
    throw keysInvalid(`${capitalise(what)} is not base64. Generate keys with generateKeyRing or \`openssl rand -base64 32\`.`);
  }
  const key = Buffer.from(value, BASE64.test(value) ? 'base64' : 'base64url');
  if (key.length !== KEY_BYTES) {
    throw keysInvalid(`${capitalise(what)} is ${key.length} bytes; AES-256 needs exactly ${KEY_BYTES} (44 base64 characters).`);
  }
  return key;
}

function dataKey(ring: KeyRing, keyId: string): Buffer {
  const key = ring.keys.get(keyId);
  if (!key || key.length !== KEY_BYTES) throw keysInvalid(`The current key "${keyId}" is missing or not ${KEY_BYTES} bytes.`, { keyId });
  return key;
}

function parseSealed(sealed: string): { keyId: string; iv: Buffer; body: Buffer } {
  const parts = sealed.split('.');
  const [version, keyId = '', ivText = '', bodyText = ''] = parts;
  if (parts.length !== 4 || version !== VERSION) {
    throw decryptFailed('malformed', 'A personal-data record is not in the v1.{key}.{iv}.{data} form. The stored value was damaged or is not sealed.');
  }
  const iv = canonicalBase64Url(ivText);
  const body = canonicalBase64Url(bodyText);
  if (!KEY_ID.test(keyId) || !iv || iv.length !== IV_BYTES || !body || body.length < TAG_BYTES) {
    throw decryptFailed('malformed', 'A personal-data record has a damaged key id, IV or body. The stored value was altered.');
  }
  return { keyId, iv, body };
}

/** Decodes base64url only when it is the one canonical spelling of its bytes. */
function canonicalBase64Url(text: string): Buffer | null {
  if (!BASE64URL.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  // Node ignores the spare low bits of the last character; without this check a changed last
  // character could decode to the same bytes, and an altered record would still open.
  return bytes.toString('base64url') === text ? bytes : null;
}

function keysInvalid(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError('PII_KEYS_INVALID', message, { status: 500, details });
}

function decryptFailed(reason: string, message: string, keyId?: string, cause?: unknown): AppError {
  return new AppError('PII_DECRYPT_FAILED', message, { status: 500, cause, details: { reason, ...(keyId ? { keyId } : {}) } });
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
