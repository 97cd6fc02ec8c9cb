import { createCipheriv, createVerify, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { thrown } from '../platform/testing/thrown';
import { decryptV3Resource, parseV3Authorization, signV3, v3Authorization, v3RequestMessage, v3ResponseMessage, v3ResponseProblem } from './wechat-v3';

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const merchant = rsa();
const platform = rsa();
const keys = { platformPublicKeyPem: platform.publicKey, platformSerialNo: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1' };
const APIV3_KEY = '0123456789abcdef0123456789ABCDEF';

describe('WeChat Pay v3 signatures', () => {
  const body = '{"out_trade_no":"S00120261130","out_refund_no":"RT1","reason":"退货","amount":{"refund":550,"total":1100,"currency":"CNY"}}';

  it('signs the five-line message and names it in the Authorization header', () => {
    const message = v3RequestMessage('POST', '/v3/refund/domestic/refunds', '1764468000', '593BEC0C930BF1AFEB40B4A08C8FB242', body);
    expect(message).toBe(`POST\n/v3/refund/domestic/refunds\n1764468000\n593BEC0C930BF1AFEB40B4A08C8FB242\n${body}\n`);
    expect(v3RequestMessage('get', '/v3/refund/domestic/refunds/RT1?sub_mchid=1', '1764468000', 'N1', '')).toBe('GET\n/v3/refund/domestic/refunds/RT1?sub_mchid=1\n1764468000\nN1\n\n');

    const header = v3Authorization({ mchId: '1900009191', serialNo: '3775B6A45ACD588826D15E583A95F5DD2A0C5F1E', privateKeyPem: merchant.privateKey, method: 'POST', pathWithQuery: '/v3/refund/domestic/refunds', body, timestamp: '1764468000', nonce: '593BEC0C930BF1AFEB40B4A08C8FB242' });
    expect(header).toMatch(/^WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",signature="[A-Za-z0-9+/]+=*",timestamp="1764468000",serial_no="3775B6A45ACD588826D15E583A95F5DD2A0C5F1E"$/);
    const fields = parseV3Authorization(header);
    expect(fields).toMatchObject({ mchid: '1900009191', timestamp: '1764468000', serial_no: '3775B6A45ACD588826D15E583A95F5DD2A0C5F1E' });
    // Verified independently of our code, with the merchant's public key over the exact message.
    expect(createVerify('RSA-SHA256').update(message).verify(merchant.publicKey, fields?.signature ?? '', 'base64')).toBe(true);
    expect(createVerify('RSA-SHA256').update(message.replace('550', '551')).verify(merchant.publicKey, fields?.signature ?? '', 'base64')).toBe(false);
    expect(parseV3Authorization('WECHATPAY2-SHA256-RSA2048 mchid="1"')).toBeUndefined();
    expect(parseV3Authorization('Bearer abc')).toBeUndefined();
  });

  it('trusts an answer signed by the platform key, and refuses a tampered body, another key or serial, and an old timestamp', () => {
    const answer = '{"refund_id":"50300","status":"SUCCESS"}';
    const timestamp = '1764468000';
    const nowMs = 1_764_468_000_000 + 60_000;
    const headers = { timestamp, nonce: 'N2', serial: keys.platformSerialNo, signature: signV3(v3ResponseMessage(timestamp, 'N2', answer), platform.privateKey) };
    expect(v3ResponseMessage(timestamp, 'N2', answer)).toBe(`1764468000\nN2\n${answer}\n`);
    expect(v3ResponseProblem(headers, answer, keys, nowMs)).toBeNull();
    expect(v3ResponseProblem(headers, answer.replace('SUCCESS', 'CLOSED'), keys, nowMs)).toBe('the signature does not match the body');
    expect(v3ResponseProblem({ ...headers, signature: signV3(v3ResponseMessage(timestamp, 'N2', answer), merchant.privateKey) }, answer, keys, nowMs)).toBe('the signature does not match the body');
    expect(v3ResponseProblem({ ...headers, serial: 'OTHER' }, answer, keys, nowMs)).toMatch(/platform certificate OTHER/);
    expect(v3ResponseProblem(headers, answer, keys, 1_764_468_000_000 + 5 * 60_000)).toBeNull();
    expect(v3ResponseProblem(headers, answer, keys, 1_764_468_000_000 + 5 * 60_000 + 1_000)).toMatch(/more than 5 minutes off/);
    expect(v3ResponseProblem(headers, answer, keys, 1_764_468_000_000 - 6 * 60_000)).toMatch(/more than 5 minutes off/);
    expect(v3ResponseProblem({ ...headers, signature: undefined }, answer, keys, nowMs)).toMatch(/headers are missing/);
  });

  it('decrypts an AEAD_AES_256_GCM notification resource and refuses an altered one', () => {
    const plaintext = '{"out_trade_no":"S00120261130","out_refund_no":"RT1","refund_status":"SUCCESS","amount":{"refund":550,"total":1100}}';
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(APIV3_KEY), Buffer.from('fdasflkja484'));
    cipher.setAAD(Buffer.from('refund'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
    const resource = { algorithm: 'AEAD_AES_256_GCM' as const, ciphertext, nonce: 'fdasflkja484', associated_data: 'refund' };
    expect(JSON.parse(decryptV3Resource(resource, APIV3_KEY))).toMatchObject({ out_refund_no: 'RT1', amount: { refund: 550 } });

    const altered = Buffer.from(ciphertext, 'base64');
    altered[3] = (altered[3] ?? 0) ^ 1;
    expect(() => decryptV3Resource({ ...resource, ciphertext: altered.toString('base64') }, APIV3_KEY)).toThrow(/altered or the key is wrong/);
    expect(() => decryptV3Resource({ ...resource, associated_data: 'transaction' }, APIV3_KEY)).toThrow(/altered or the key is wrong/);
    expect(() => decryptV3Resource(resource, APIV3_KEY.replace('0', '1'))).toThrow(/altered or the key is wrong/);
    expect(thrown(() => decryptV3Resource(resource, 'short')).code).toBe('VALIDATION_FAILED');
  });
});
