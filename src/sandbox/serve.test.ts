import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { callWechat } from '../payments/wechat-client';
import { ROOT } from '../cli/web-build';

describe('tillpoint sandbox serve', () => {
  it('runs the sandboxes alone and prints the settings that talk to them', async () => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-sandbox-serve-'));
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'tillpoint.mjs'), 'sandbox', 'serve', '--data', data], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error('sandbox serve printed nothing in 30 s')), 30_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) {
            clearTimeout(timer);
            resolve(out.split('\n')[0] ?? '');
          }
        });
        child.on('exit', (code) => reject(new Error(`sandbox serve exited ${code}`)));
      });
      const settings = JSON.parse(line) as { wechat: Parameters<typeof callWechat>[0]; sms: { url: string } };
      // A signed orderquery for an order it never saw: the sandbox answers, signed, ORDERNOTEXIST.
      const reply = await callWechat(settings.wechat, 'orderquery', { out_trade_no: 'NOSUCHORDER1' });
      expect(reply).toMatchObject({ result_code: 'FAIL', err_code: 'ORDERNOTEXIST' });
      expect(settings.sms.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sms\/send$/);
    } finally {
      child.kill('SIGTERM');
      fs.rmSync(data, { recursive: true, force: true });
    }
  }, 60_000);
});
