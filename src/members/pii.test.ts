// Personal-data sealing: round trips, refusal of any altered record, rotation that keeps the
// plaintext and the lookup index, and key files with the mistakes people make in them.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { thrown } from '../platform/testing/thrown';
import {
  blindIndex,
  formatKeyRing,
  generateKeyRing,
  loadKeyRing,
  needsRotation,
  openPii,
  resealPii,
  rotateKeyRing,
  sealPii,
  type KeyRing,
} from './pii';

const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(32, 2).toString('base64');
const INDEX = Buffer.alloc(32, 3).toString('base64');
const ring = generateKeyRing();

const mobile = fc.stringMatching(/^1[3-9]\d{9}$/);
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('sealPii / openPii', () => {
  it('seals as v1.{keyId}.{iv}.{ciphertext+tag} and opens to the same text', () => {
    const sealed = sealPii(ring, '13800138000');
    expect(sealed).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{36}$/);
    expect(openPii(ring, sealed)).toBe('13800138000');
  });

  it('uses a fresh IV each time, so equal values do not give equal records', () => {
    expect(sealPii(ring, '13800138000')).not.toBe(sealPii(ring, '13800138000'));
  });

  it('property: any text round-trips, names and birthdays included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (text) => {
        expect(openPii(ring, sealPii(ring, text))).toBe(text);
      }),
    );
    expect(openPii(ring, sealPii(ring, '张三·李'))).toBe('张三·李');
    expect(openPii(ring, sealPii(ring, ''))).toBe('');
  });

  it('property: the sealed text never contains the phone number or a run of its digits', () => {
    fc.assert(
      fc.property(mobile, (phone) => {
        const sealed = sealPii(ring, phone);
        expect(sealed).not.toContain(phone);
        expect(sealed).not.toContain(phone.slice(3));
      }),
    );
  });

  it('property: changing any one character of a record makes it refused', () => {
    const sealed = sealPii(ring, '13800138000');
    fc.assert(
      fc.property(fc.nat({ max: sealed.length - 1 }), fc.constantFrom(...B64URL, '.'), (at, replacement) => {
        fc.pre(sealed[at] !== replacement);
        const tampered = sealed.slice(0, at) + replacement + sealed.slice(at + 1);
        expect(thrown(() => openPii(ring, tampered)).code).toBe('PII_DECRYPT_FAILED');
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a changed last character even where base64 has spare bits that decode the same', () => {
    // 1 + 16 bytes = 23 characters, the last carrying 2 spare bits.
    const sealed = sealPii(ring, 'x');
    const last = B64URL.indexOf(sealed.slice(-1));
    const sameBytes = sealed.slice(0, -1) + B64URL.charAt(last ^ 1);
    expect(Buffer.from(sameBytes.split('.')[3] ?? '', 'base64url')).toEqual(Buffer.from(sealed.split('.')[3] ?? '', 'base64url'));
    expect(thrown(() => openPii(ring, sameBytes)).details).toMatchObject({ reason: 'malformed' });
  });

  it('refuses a truncated or extended record and a record under another ring', () => {
    const sealed = sealPii(ring, '13800138000');
    expect(thrown(() => openPii(ring, sealed.slice(0, -1))).code).toBe('PII_DECRYPT_FAILED');
    expect(thrown(() => openPii(ring, `${sealed}A`)).code).toBe('PII_DECRYPT_FAILED');
    expect(thrown(() => openPii(ring, '13800138000')).details).toMatchObject({ reason: 'malformed' });
    const other = generateKeyRing();
    const error = thrown(() => openPii(other, sealed));
    expect(error.code).toBe('PII_DECRYPT_FAILED');
    expect(error.status).toBe(500);
    expect(error.details).toMatchObject({ reason: 'auth_failed', keyId: 'k1' });
  });

  it('refuses a record relabelled to another key id, because the id is authenticated', () => {
    const two: KeyRing = { currentKeyId: 'k1', keys: new Map([['k1', Buffer.alloc(32, 1)], ['k2', Buffer.alloc(32, 1)]]), indexKey: Buffer.alloc(32, 3) };
    const relabelled = sealPii(two, 'Li Lei').replace('v1.k1.', 'v1.k2.');
    expect(thrown(() => openPii(two, relabelled)).details).toMatchObject({ reason: 'auth_failed' });
  });

  it('names a retired key that is missing from the ring', () => {
    const next = rotateKeyRing(ring);
    const sealed = sealPii(next, '13800138000');
    const error = thrown(() => openPii(ring, sealed));
    expect(error.details).toMatchObject({ reason: 'unknown_key', keyId: 'k2' });
    expect(error.message).toContain('"k2"');
  });
});

describe('rotation', () => {
  it('property: resealing under a new key keeps the plaintext, and only old records need it', () => {
    fc.assert(
      fc.property(mobile, (phone) => {
        const old = sealPii(ring, phone);
        const next = rotateKeyRing(ring);
        expect(next.currentKeyId).toBe('k2');
        expect(needsRotation(ring, old)).toBe(false);
        expect(needsRotation(next, old)).toBe(true);
        const resealed = resealPii(next, old);
        expect(resealed.startsWith('v1.k2.')).toBe(true);
        expect(needsRotation(next, resealed)).toBe(false);
        expect(resealPii(next, resealed)).toBe(resealed);
        expect(openPii(next, resealed)).toBe(phone);
        expect(blindIndex(next, phone)).toBe(blindIndex(ring, phone));
      }),
      { numRuns: 50 },
    );
  });

  it('a rotated ring survives the key file', () => {
    const next = rotateKeyRing(rotateKeyRing(ring));
    const loaded = loadKeyRing(formatKeyRing(next));
    expect(loaded.currentKeyId).toBe('k3');
    expect([...loaded.keys.keys()]).toEqual(['k1', 'k2', 'k3']);
    expect(openPii(loaded, sealPii(next, 'x'))).toBe('x');
  });
});

describe('blindIndex', () => {
  it('is 64 hex digits, equal for equal numbers, different for different numbers and index keys', () => {
    const index = blindIndex(ring, '13800138000');
    expect(index).toMatch(/^[0-9a-f]{64}$/);
    expect(blindIndex(ring, '13800138000')).toBe(index);
    expect(blindIndex(ring, '13800138001')).not.toBe(index);
    expect(blindIndex(generateKeyRing(), '13800138000')).not.toBe(index);
  });

  it('refuses a number that is not normalised, which would never match', () => {
    expect(thrown(() => blindIndex(ring, '+86 138 0013 8000')).code).toBe('VALIDATION_FAILED');
  });
});

describe('loadKeyRing', () => {
  it('reads the JSON key file form', () => {
    const loaded = loadKeyRing(JSON.stringify({ current: 'k2', keys: { k1: KEY_A, k2: KEY_B }, index: INDEX }));
    expect(loaded.currentKeyId).toBe('k2');
    expect(loaded.keys.get('k1')).toEqual(Buffer.alloc(32, 1));
    expect(loaded.indexKey).toEqual(Buffer.alloc(32, 3));
  });

  it('reads the one-line env form, base64url keys included', () => {
    const urlKey = Buffer.alloc(32, 0xfb).toString('base64url');
    const loaded = loadKeyRing(`current=k1; index=${INDEX}; k1=${KEY_A} old=${urlKey}\n`);
    expect(loaded.currentKeyId).toBe('k1');
    expect(loaded.keys.get('old')).toEqual(Buffer.alloc(32, 0xfb));
  });

  it.each([
    ['', 'is empty'],
    ['{"current":"k1"', 'not valid JSON'],
    [JSON.stringify({ current: 'k1', index: INDEX }), 'no "keys" object'],
    [JSON.stringify({ current: 'k1', keys: {}, index: INDEX }), 'holds no data keys'],
    [JSON.stringify({ keys: { k1: KEY_A }, index: INDEX }), 'which key is current'],
    [JSON.stringify({ current: 'k9', keys: { k1: KEY_A }, index: INDEX }), 'current key "k9" is not among the keys (k1)'],
    [JSON.stringify({ current: 'k1', keys: { k1: KEY_A } }), 'no index key'],
    [JSON.stringify({ current: 'k1', keys: { k1: Buffer.alloc(16).toString('base64') }, index: INDEX }), 'Key k1 is 16 bytes; AES-256 needs exactly 32'],
    [JSON.stringify({ current: 'k1', keys: { k1: 'not base64!' }, index: INDEX }), 'Key k1 is not base64'],
    [JSON.stringify({ current: 'k1', keys: { k1: KEY_A }, index: Buffer.alloc(31).toString('base64') }), 'The index key is 31 bytes'],
    [JSON.stringify({ current: 'k1', keys: { k1: KEY_A }, index: KEY_A }), 'index key is the same as data key k1'],
    [JSON.stringify({ current: 'a.b', keys: { 'a.b': KEY_A }, index: INDEX }), 'Key id "a.b" is not usable'],
    [`current=k1;index=${INDEX};k1=${KEY_A};k1=${KEY_B}`, 'Key k1 is given twice'],
    ['k1', 'must look like current=k1'],
  ])('refuses %j: "%s"', (source, message) => {
    const error = thrown(() => loadKeyRing(source));
    expect(error.code).toBe('PII_KEYS_INVALID');
    expect(error.message).toContain(message);
    expect(error.message).not.toContain(KEY_A);
  });

  it('generateKeyRing makes distinct 32-byte keys that load back', () => {
    const fresh = generateKeyRing();
    const key = fresh.keys.get('k1');
    expect(key).toHaveLength(32);
    expect(key?.equals(fresh.indexKey)).toBe(false);
    expect(loadKeyRing(formatKeyRing(fresh)).keys.get('k1')).toEqual(key);
  });
});
