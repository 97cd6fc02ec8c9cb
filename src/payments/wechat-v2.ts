// WeChat Pay API v2 wire format: flat XML bodies signed over the sorted parameters
// (FORMATS.md: sort non-empty params, join k=v with &, append &key=KEY, MD5 or HMAC-SHA256,
// uppercase hex).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../platform/errors';

export type WechatSignType = 'MD5' | 'HMAC-SHA256';
export type WechatParams = Record<string, string>;

/**
 * The v2 signature of `params` (the `sign` field itself is left out).
 *
 * @example signV2({ appid: 'wx1', mch_id: '10000100', nonce_str: 'abc' }, 'KEY', 'HMAC-SHA256')
 */
export function signV2(params: WechatParams, key: string, signType: WechatSignType): string {
  const text = Object.keys(params)
    .filter((k) => k !== 'sign' && params[k] !== undefined && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k] ?? ''}`)
    .join('&');
  const message = `${text}&key=${key}`;
  const digest = signType === 'MD5' ? createHash('md5').update(message, 'utf8').digest('hex') : createHmac('sha256', key).update(message, 'utf8').digest('hex');
  return digest.toUpperCase();
}

/** Whether `params.sign` is the right signature, compared in constant time. */
export function verifyV2(params: WechatParams, key: string, signType: WechatSignType): boolean {
  const given = Buffer.from(params.sign ?? '');
  const expected = Buffer.from(signV2(params, key, signType));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function cdata(value: string): string {
  return `<![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

/** `<xml><k><![CDATA[v]]></k>…</xml>` in key order. */
export function toXml(params: WechatParams): string {
  return `<xml>${Object.keys(params)
    .sort()
    .map((k) => `<${k}>${cdata(params[k] ?? '')}</${k}>`)
    .join('')}</xml>`;
}

const FIELD = /<([A-Za-z_][\w]*)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/g;

/**
 * Reads the flat XML WeChat Pay v2 sends and expects. Refuses DOCTYPE/ENTITY declarations
 * (XML external entity attacks) and anything that is not one level of fields.
 */
export function parseXml(xml: string): WechatParams {
  const text = xml.trim();
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new AppError('WECHAT_XML_INVALID', 'The XML declares a DOCTYPE or ENTITY, which WeChat Pay never sends; refused.');
  const body = /^(?:<\?xml[^>]*\?>\s*)?<xml>([\s\S]*)<\/xml>$/.exec(text);
  if (!body) throw new AppError('WECHAT_XML_INVALID', 'The body is not a WeChat Pay <xml> document.');
  // fromEntries defines own properties, so a field named __proto__ stays a field.
  return Object.fromEntries([...(body[1] ?? '').matchAll(FIELD)].map((m) => [m[1] ?? '', m[2] ?? m[3] ?? '']));
}
