// Platform bench: GET /healthz (no auth) beside an authenticated no-op (GET /api/v1/ping), on
// the real server in a child process, so the ratio shows what authentication costs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../src/platform/testing/cli';
import { loadTest, machine } from './harness';

export async function benchPlatform(options: { connections?: number; durationS?: number } = {}) {
  const connections = options.connections ?? 50;
  const durationS = options.durationS ?? 10;
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-'));
  const server = await startServer(['--data', data]);
  try {
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'cashier', password: 'demo' }),
    });
    const { token } = (await login.json()) as { token: string };
    const baseline = await loadTest('GET /healthz', { url: `${server.url}/healthz`, connections, durationS });
    const authed = await loadTest('GET /api/v1/ping (Bearer)', { url: `${server.url}/api/v1/ping`, headers: { authorization: `Bearer ${token}` }, connections, durationS });
    return {
      subject: 'platform',
      machine: machine(),
      db: 'sqlite (WAL, synchronous=FULL)',
      connections,
      durationS,
      results: [baseline, authed],
      ratio: {
        authedVsBaselineReqPerSec: Number((authed.reqPerSec / Math.max(1, baseline.reqPerSec)).toFixed(3)),
        authedVsBaselineP99: Number((authed.p99Ms / Math.max(0.001, baseline.p99Ms)).toFixed(3)),
      },
    };
  } finally {
    await server.stop();
    fs.rmSync(data, { recursive: true, force: true });
  }
}
