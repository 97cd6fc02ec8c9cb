// WeChat Pay API v3 wire rules (FORMATS.md): the WECHATPAY2-SHA256-RSA2048 request signature,
// verification of WeChat's signed answers, and AEAD_AES_256_GCM notification resources.
//
// Why not npm `wechatpay-axios-plugin` (0.9.6, engines node >=12, MIT): it is built around axios
// interceptors (a second HTTP client beside fetch, plus `@thenorthmemory/multipart` and a `yargs`
// peer for its CLI), and it covers the merchant side only, while the sandbox needs the other
// side too (check a merchant's Authorization header, sign answers). The rules below are a few
// calls into node:crypto, shared by the client and the sandbox.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../platform/errors';
import { signRsa2 as signSha256Rsa, verifyRsa2 as verifySha256Rsa } from './alipay-client';

/** What a merchant needs for v3 calls; keys come from files or env and never reach logs. */
export interface WechatV3Keys {
  /** The merchant API certificate's private key (PEM). */
  merchantPrivateKeyPem: string;
  /** The merchant API certificate's serial number, sent as `serial_no`. */
  merchantSerialNo: string;
  /** WeChat Pay's platform public key (PEM), to verify answers and notifications. */
  platformPublicKeyPem: string;
  /** Its serial, which answers name in `Wechatpay-Serial`. */
  platformSerialNo: string;
  /** The APIv3 key (32 characters) that encrypts notification resources. */
  apiV3Key: string;
}

/** WeChat refuses, and we refuse, a signed message more than 5 minutes off the local clock. */
export const V3_MAX_SKEW_MS = 5 * 60_000;

export const V3_SCHEMA = 'WECHATPAY2-SHA256-RSA2048';

/**
 * The five-line message a request signature covers: `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n`
 * (an empty body for GET still gives an empty fifth line).
 *
 * @example v3RequestMessage('GET', '/v3/refund/domestic/refunds/R1', '1554208460', 'abc', '')
 * // 'GET\n/v3/refund/domestic/refunds/R1\n1554208460\nabc\n\n'
 */
export function v3RequestMessage(method: string, pathWithQuery: string, timestamp: string, nonce: string, body: string): string {
  return `${method.toUpperCase()}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${body}\n`;
}

/** The three-line message an answer's or notification's signature covers. */
export function v3ResponseMessage(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

/** SHA256-with-RSA over `message`, Base64 (the same primitive Alipay calls RSA2). */
export function signV3(message: string, privateKeyPem: string): string {
  return signSha256Rsa(message, privateKeyPem);
}

export function verifyV3Signature(message: string, signature: string, publicKeyPem: string): boolean {
  return verifySha256Rsa(message, signature, publicKeyPem);
}

export interface V3AuthorizationInput {
  mchId: string;
  serialNo: string;
  privateKeyPem: string;
  method: string;
  pathWithQuery: string;
  body: string;
  /** Unix seconds. */
  timestamp: string;
  nonce: string;
}

/**
 * The `Authorization` header of a v3 request.
 *
 * @example v3Authorization({ mchId: '1900009191', serialNo: '5157F0…', privateKeyPem, method: 'POST', pathWithQuery: '/v3/refund/domestic/refunds', body, timestamp: '1554208460', nonce: '593BEC0C930BF1AFEB40B4A08C8FB242' })
 * // 'WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="593B…",signature="…",timestamp="1554208460",serial_no="5157F0…"'
 */
export function v3Authorization(input: V3AuthorizationInput): string {
  const signature = signV3(v3RequestMessage(input.method, input.pathWithQuery, input.timestamp, input.nonce, input.body), input.privateKeyPem);
  return `${V3_SCHEMA} mchid="${input.mchId}",nonce_str="${input.nonce}",signature="${signature}",timestamp="${input.timestamp}",serial_no="${input.serialNo}"`;
}

export interface V3AuthorizationFields {
  mchid: string;
  nonce_str: string;
  signature: string;
  timestamp: string;
  serial_no: string;
}

/** Reads an `Authorization` header back into its fields; undefined when it is not a v3 one. */
export function parseV3Authorization(header: string | undefined): V3AuthorizationFields | undefined {
  if (!header?.startsWith(`${V3_SCHEMA} `)) return undefined;
  const fields = Object.fromEntries([...header.slice(V3_SCHEMA.length + 1).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
  const { mchid, nonce_str, signature, timestamp, serial_no } = fields;
  if (!mchid || !nonce_str || !signature || !timestamp || !serial_no) return undefined;
  return { mchid, nonce_str, signature, timestamp, serial_no };
}

/** Unix seconds as WeChat writes them. */
export function v3Timestamp(now: Date): string {
  return String(Math.floor(now.getTime() / 1000));
}

export function v3Nonce(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

/** The `Wechatpay-*` headers of an answer or a notification. */
export interface V3SignedHeaders {
  timestamp: string | undefined;
  nonce: string | undefined;
  signature: string | undefined;
  serial: string | undefined;
}

/**
 * Why a signed answer must not be trusted, or null when it may: a missing header, another
 * platform certificate, a timestamp more than 5 minutes off `nowMs` (replay), a wrong signature.
 *
 * @example v3ResponseProblem({ timestamp, nonce, signature, serial }, rawBody, keys, Date.now()) // null
 */
export function v3ResponseProblem(headers: V3SignedHeaders, body: string, keys: Pick<WechatV3Keys, 'platformPublicKeyPem' | 'platformSerialNo'>, nowMs: number): string | null {
  const { timestamp, nonce, signature, serial } = headers;
  if (!timestamp || !nonce || !signature || !serial) return 'the Wechatpay-Timestamp/Nonce/Signature/Serial headers are missing';
  if (serial !== keys.platformSerialNo) return `it is signed with platform certificate ${serial}, not the configured ${keys.platformSerialNo}`;
  if (!/^\d+$/.test(timestamp) || Math.abs(nowMs - Number(timestamp) * 1000) > V3_MAX_SKEW_MS) return `its timestamp ${timestamp} is more than 5 minutes off this machine's clock`;
  if (!verifyV3Signature(v3ResponseMessage(timestamp, nonce, body), signature, keys.platformPublicKeyPem)) return 'the signature does not match the body';
  return null;
}

/** A notification's encrypted `resource`. */
export interface V3Resource {
  algorithm: 'AEAD_AES_256_GCM';
  /** Base64 of the ciphertext with the 16-byte GCM tag appended. */
  ciphertext: string;
  nonce: string;
  associated_data?: string;
  original_type?: string;
}

const TAG_BYTES = 16;

function aesKey(apiV3Key: string): Buffer {
  const key = Buffer.from(apiV3Key, 'utf8');
  if (key.length !== 32) throw new AppError('VALIDATION_FAILED', 'The WeChat Pay APIv3 key must be 32 characters; copy it again from the merchant platform (商户平台 → API安全).');
  return key;
}

/**
 * Decrypts a notification resource with the APIv3 key; refuses one whose tag does not match
 * (tampered, or encrypted with another key).
 *
 * @example JSON.parse(decryptV3Resource(notification.resource, keys.apiV3Key))
 */
export function decryptV3Resource(resource: V3Resource, apiV3Key: string): string {
  if (resource.algorithm !== 'AEAD_AES_256_GCM') throw new AppError('WECHAT_RESOURCE_INVALID', `The notification is encrypted with ${String(resource.algorithm)}, not AEAD_AES_256_GCM.`);
  const data = Buffer.from(resource.ciphertext, 'base64');
  if (data.length < TAG_BYTES) throw new AppError('WECHAT_RESOURCE_INVALID', 'The notification ciphertext is shorter than its 16-byte tag.');
  const decipher = createDecipheriv('aes-256-gcm', aesKey(apiV3Key), Buffer.from(resource.nonce, 'utf8'));
  decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new AppError('WECHAT_RESOURCE_INVALID', 'The notification resource does not decrypt with the APIv3 key: it was altered or the key is wrong.');
  }
}

/**
 * Encrypts a notification resource as WeChat Pay does (the sandbox's side of decryptV3Resource):
 * AES-256-GCM under the APIv3 key, a 12-character nonce, the tag appended to the ciphertext.
 *
 * @example encryptV3Resource(JSON.stringify(refund), keys.apiV3Key, 'refund')
 */
export function encryptV3Resource(plaintext: string, apiV3Key: string, associatedData: string, nonce = randomBytes(6).toString('hex')): V3Resource {
  const cipher = createCipheriv('aes-256-gcm', aesKey(apiV3Key), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { algorithm: 'AEAD_AES_256_GCM', ciphertext: data.toString('base64'), nonce, associated_data: associatedData };
}
