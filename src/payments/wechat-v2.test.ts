import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseXml, signV2, toXml, verifyV2 } from './wechat-v2';

describe('WeChat Pay v2 wire format', () => {
  it('signs the sorted non-empty parameters with the key appended (MD5 example from the v2 docs)', () => {
    // The documented example: appid, body, device_info, mch_id, nonce_str with key 192006250b4c09247ec02edce69f6a2d.
    const params = { appid: 'wxd930ea5d5a258f4f', mch_id: '10000100', device_info: '1000', body: 'test', nonce_str: 'ibuaiVcKdpRxkhJA' };
    expect(signV2(params, '192006250b4c09247ec02edce69f6a2d', 'MD5')).toBe('9A0A8659F005D6984697E2CA0A9CF3B7');
    expect(signV2({ ...params, empty: '', sign: 'X' }, '192006250b4c09247ec02edce69f6a2d', 'MD5')).toBe('9A0A8659F005D6984697E2CA0A9CF3B7');
  });

  it('verifies its own HMAC-SHA256 signature and rejects a changed amount', () => {
    const key = 'k'.repeat(32);
    const params = { total_fee: '1234', out_trade_no: 'S001A1', nonce_str: 'n' };
    const signed = { ...params, sign: signV2(params, key, 'HMAC-SHA256') };
    expect(verifyV2(signed, key, 'HMAC-SHA256')).toBe(true);
    expect(verifyV2({ ...signed, total_fee: '1' }, key, 'HMAC-SHA256')).toBe(false);
  });

  it('round-trips XML, CDATA terminators included, and refuses entities', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-z_]{1,12}$/), fc.string({ maxLength: 40 })), (params) => {
        expect(parseXml(toXml(params))).toEqual(params);
      }),
    );
    expect(parseXml('<xml><return_code><![CDATA[SUCCESS]]></return_code><total_fee>100</total_fee></xml>')).toEqual({ return_code: 'SUCCESS', total_fee: '100' });
    expect(Object.getPrototypeOf(parseXml('<xml><__proto__>x</__proto__></xml>'))).toBe(Object.prototype);
    expect(() => parseXml('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>')).toThrow(/DOCTYPE or ENTITY/);
  });
});
