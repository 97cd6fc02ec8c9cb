// Signed sync requests: every request a store node sends HQ carries its node id, a timestamp, a
// nonce and an HMAC-SHA256 over method, path, timestamp, nonce and the body's SHA-256, so HQ can
// refuse a forged, tampered or replayed request before reading it.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADERS = { node: 'x-tp-node', timestamp: 'x-tp-timestamp', nonce: 'x-tp-nonce', signature: 'x-tp-signature' } as const;

/** How far a request's timestamp may be from HQ's clock (either way). */
export const SIGNATURE_WINDOW_MS = 5 * 60_000;

export interface SignedParts {
  method: string;
  /** Path with query string, as sent: `/api/v1/sync/pull?cursor=…`. */
  path: string;
  timestamp: string;
  nonce: string;
  body: string | Buffer;
  /** The body's SHA-256 (hex) when the sender hashed it piece by piece while building it. */
  bodySha256?: string;
}

/** The text the HMAC covers: one field per line, the body by its SHA-256. */
export function canonicalRequest(p: SignedParts): string {
  const bodyHash = p.bodySha256 ?? createHash('sha256').update(p.body).digest('hex');
  return `${p.method.toUpperCase()}\n${p.path}\n${p.timestamp}\n${p.nonce}\n${bodyHash}`;
}

/**
 * The hex HMAC-SHA256 of a request under the node's secret.
 *
 * @example signRequest(secret, { method: 'POST', path: '/api/v1/sync/push', timestamp: '1767225600000', nonce, body })
 */
export function signRequest(secret: Buffer, p: SignedParts): string {
  return createHmac('sha256', secret).update(canonicalRequest(p)).digest('hex');
}

/** Whether `signature` is the request's HMAC, compared in constant time. */
export function signatureMatches(secret: Buffer, p: SignedParts, signature: string): boolean {
  const expected = Buffer.from(signRequest(secret, p), 'hex');
  const given = Buffer.from(/^[0-9a-f]{64}$/i.test(signature) ? signature : '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The headers of a signed request made now (by the node's clock, corrected by the skew HQ reported). */
export function signedHeaders(nodeId: string, secret: Buffer, p: Omit<SignedParts, 'timestamp' | 'nonce'>, nowMs: number): Record<string, string> {
  const timestamp = String(nowMs);
  const nonce = randomBytes(16).toString('base64url');
  return {
    [SIGNATURE_HEADERS.node]: nodeId,
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: signRequest(secret, { ...p, timestamp, nonce }),
  };
}
