// The SMS gateway members' messages go out through: a JSON POST signed like most Chinese
// gateways (sorted fields, HMAC-SHA256), answered `{code: OK|ERROR, err_code, …}` and signed back.
// Which gateway a chain contracts is configuration (URL, account, secret).
import { randomBytes } from 'node:crypto';
import { signFields, verifyFields, type SignedFields } from '../platform/signed-fields';

export interface SmsGatewayConfig {
  url: string;
  account: string;
  secret: string;
  timeoutMs: number;
}

/** `permanent`: retrying cannot help (a wrong number); else the message is tried again later. */
export type SmsResult = { ok: true; messageId: string } | { ok: false; permanent: boolean; error: string };

export interface SmsGateway {
  send(to: string, content: string): Promise<SmsResult>;
}

/** Error codes after which a retry is pointless. */
const PERMANENT = new Set(['MOBILE_NUMBER_ILLEGAL', 'BLACKLISTED', 'CONTENT_ILLEGAL']);

/**
 * @example await smsGateway({ url, account: 'tp', secret, timeoutMs: 5000 }).send('13800138000', '【Tillpoint】…')
 */
export function smsGateway(config: SmsGatewayConfig): SmsGateway {
  return {
    async send(to, content) {
      const body: SignedFields = { account: config.account, to, content, timestamp: String(Date.now()), nonce: randomBytes(8).toString('hex') };
      body.sign = signFields(body, config.secret);
      let reply: SignedFields;
      try {
        const res = await fetch(config.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(config.timeoutMs) });
        reply = (await res.json()) as SignedFields;
      } catch (err) {
        return { ok: false, permanent: false, error: `gateway unreachable: ${(err as Error).message}` };
      }
      if (!verifyFields(reply, config.secret)) return { ok: false, permanent: false, error: 'the gateway answer has a wrong signature' };
      if (reply.code === 'OK') return { ok: true, messageId: reply.message_id ?? '' };
      const code = reply.err_code ?? 'ERROR';
      return { ok: false, permanent: PERMANENT.has(code), error: `${code}: ${reply.err_msg ?? ''}`.trim() };
    },
  };
}
