// A local SMS gateway for the demo and tests: checks the request signature, keeps what it was
// asked to send (the demo inbox shows it), and fails by the number's last digits: …0000 is not
// a valid number (permanent), …0001 is busy on the first try and delivered on the next.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { signFields, verifyFields, type SignedFields } from '../platform/signed-fields';

export interface SentSms {
  to: string;
  content: string;
  messageId: string;
  at: string;
}

export interface SmsSandbox {
  url: string;
  sent: SentSms[];
  /** What one phone received, newest first. */
  inbox(phone: string): SentSms[];
  close(): Promise<void>;
}

export const DEMO_SMS = { account: 'tillpoint-demo', secret: 'demo-sms-secret-change-me' };

let latest: SmsSandbox | undefined;

/** What the running demo gateway delivered to a phone (the demo's inbox page), newest first. */
export function demoInbox(phone: string): SentSms[] {
  return latest?.inbox(phone) ?? [];
}

export async function startSmsSandbox(options: { account: string; secret: string } = DEMO_SMS): Promise<SmsSandbox> {
  const sent: SentSms[] = [];
  const tried = new Set<string>();
  const reply = (fields: SignedFields) => {
    const out = { ...fields, nonce: randomBytes(8).toString('hex') };
    return JSON.stringify({ ...out, sign: signFields(out, options.secret) });
  };
  const handle = (fields: SignedFields): string => {
    if (fields.account !== options.account || !verifyFields(fields, options.secret)) return reply({ code: 'ERROR', err_code: 'SIGN_ERROR', err_msg: '签名错误' });
    const to = fields.to ?? '';
    if (!/^1[3-9]\d{9}$/.test(to) || to.endsWith('0000')) return reply({ code: 'ERROR', err_code: 'MOBILE_NUMBER_ILLEGAL', err_msg: '手机号码格式错误' });
    if (to.endsWith('0001') && !tried.has(to)) {
      tried.add(to);
      return reply({ code: 'ERROR', err_code: 'SYSTEM_BUSY', err_msg: '系统繁忙' });
    }
    const messageId = `SMS${Date.now()}${randomBytes(3).toString('hex')}`;
    sent.push({ to, content: fields.content ?? '', messageId, at: new Date().toISOString() });
    return reply({ code: 'OK', message_id: messageId });
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let fields: SignedFields = {};
      try {
        fields = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SignedFields;
      } catch {
        // answered as a signature error
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(handle(fields));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const sandbox: SmsSandbox = {
    url: `http://127.0.0.1:${port}/sms/send`,
    sent,
    inbox: (phone) => sent.filter((m) => m.to === phone).reverse(),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  latest = sandbox;
  return sandbox;
}
