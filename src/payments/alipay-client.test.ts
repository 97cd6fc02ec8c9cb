import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { alipaySignContent, rawJsonObject, signRsa2, verifyRsa2 } from './alipay-client';

describe('Alipay signing', () => {
  it('signs the sorted non-empty parameters without sign, and verifies with the public key', () => {
    expect(alipaySignContent({ method: 'alipay.trade.pay', app_id: '2021', sign: 'x', empty: '', biz_content: '{"a":1}' })).toBe('app_id=2021&biz_content={"a":1}&method=alipay.trade.pay');
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const signature = signRsa2('app_id=2021&total_amount=12.34', privateKey);
    expect(verifyRsa2('app_id=2021&total_amount=12.34', signature, publicKey)).toBe(true);
    expect(verifyRsa2('app_id=2021&total_amount=1234.00', signature, publicKey)).toBe(false);
  });

  it('takes the response node byte for byte, braces and quotes inside strings included', () => {
    const node = '{"code":"10000","msg":"Success","subject":"套餐{大} \\"特价\\"","n":{"x":1}}';
    const text = `{"alipay_trade_pay_response":${node},"sign":"abc"}`;
    expect(rawJsonObject(text, 'alipay_trade_pay_response')).toBe(node);
    expect(rawJsonObject(text, 'alipay_trade_query_response')).toBeUndefined();
  });
});
