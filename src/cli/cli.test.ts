import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { businessDate } from '../platform/business-date';
import { freePort, runTillpoint, startServer } from '../platform/testing/cli';
import { addDays } from '../reconciliation/match-settlement';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A failure is one line on stderr (no stack trace) and a non-zero exit. */
function expectOneLineFailure(result: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(result.code).not.toBe(0);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('tillpoint CLI: bad input is one clear line', () => {
  it('names a malformed --db', async () => {
    expectOneLineFailure(await runTillpoint(['start', '--db', 'mysql://x/y']), /^tillpoint: --db "mysql:\/\/x\/y" is not usable: use sqlite:PATH or postgres:/);
  });

  it('says PostgreSQL cannot be reached, without the password', async () => {
    const port = await freePort();
    const result = await runTillpoint(['migrate', '--db', `postgres://tp:s3cret@127.0.0.1:${port}/tp`]);
    expectOneLineFailure(result, /Cannot reach PostgreSQL at postgres:\/\/tp:\*\*\*@127\.0\.0\.1:\d+\/tp \(ECONNREFUSED\)/);
    expect(result.stderr).not.toContain('s3cret');
  });

  it('says the data folder is not writable', async () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, 'x');
    expectOneLineFailure(await runTillpoint(['start', '--data', path.join(file, 'sub')]), /Cannot write to the data folder .* --data DIR/);
  });

  it('says the port is in use', async () => {
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)));
    try {
      expectOneLineFailure(await runTillpoint(['start', '--port', String(port), '--data', path.join(tmp, 'busy'), '--log-level', 'warn']), new RegExp(`Port ${port} is in use`));
    } finally {
      blocker.close();
    }
  });

  it('rejects an unknown option or role with exit 2', async () => {
    const unknown = await runTillpoint(['start', '--colour', 'red']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--colour'/);
    const role = await runTillpoint(['user', 'add', 'bob', '--role', 'king', '--password', 'pw1234']);
    expect(role.code).toBe(2);
    expect(role.stderr).toMatch(/--role must be one of cashier/);
  });

  it('prints help for every command', async () => {
    for (const cmd of [['start'], ['migrate'], ['seed'], ['user', 'add'], ['backup']]) {
      const res = await runTillpoint([...cmd, '--help']);
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/Usage: tillpoint/);
    }
  });
});

describe('tillpoint CLI: the admin commands', () => {
  const db = `sqlite:${path.join(tmp, 'admin', 'tp.db')}`;

  it('migrates, seeds once, adds and disables users, and backs up', async () => {
    expect((await runTillpoint(['migrate', '--db', db])).stdout).toMatch(/Applied 0001-platform/);
    expect((await runTillpoint(['migrate', '--db', db])).stdout).toMatch(/up to date/);
    expect((await runTillpoint(['seed', '--demo', '--stores', '3', '--db', db])).stdout).toMatch(/Seeded 3 demo store/);
    expect((await runTillpoint(['seed', '--demo', '--db', db])).stdout).toMatch(/already seeded; nothing changed/);
    const add = await runTillpoint(['user', 'add', 'lily', '--role', 'cashier', '--store', 'S002', '--pin', '2468', '--db', db], { input: 'pass-word\n' });
    expect(add.stderr).toBe('');
    expect(add.stdout).toMatch(/Added lily \(cashier\)/);
    const dup = await runTillpoint(['user', 'add', 'lily', '--role', 'cashier', '--db', db], { input: 'pass-word\n' });
    expectOneLineFailure(dup, /User "lily" already exists/);
    const noStore = await runTillpoint(['user', 'add', 'max', '--role', 'cashier', '--store', 'S404', '--db', db], { input: 'pass-word\n' });
    expectOneLineFailure(noStore, /Store S404 does not exist/);
    expect((await runTillpoint(['user', 'passwd', 'lily', '--db', db], { input: 'new-pass\n' })).stdout).toMatch(/Password of lily changed/);
    expect((await runTillpoint(['user', 'disable', 'lily', '--db', db])).stdout).toMatch(/Disabled lily/);
    const backupFile = path.join(tmp, 'backup.db');
    const backup = await runTillpoint(['backup', backupFile, '--db', db]);
    expect(backup.stdout).toMatch(/Backed up \d+ pages/);
    expect(fs.statSync(backupFile).size).toBeGreaterThan(4096);
    expectOneLineFailure(await runTillpoint(['backup', backupFile, '--db', db]), /exists already/);
    expectOneLineFailure(await runTillpoint(['backup', 'x.dump', '--db', 'postgres://u:p@h:5432/tp']), /pg_dump/);
  });

  it('sells and reconciles demo days on first start, so the reconciliation pages open on matches and exceptions', async () => {
    // By the demo store's calendar, before it starts: should midnight pass meanwhile, its two days
    // are a day later (the day before `today` and `today`), still in the window asked below.
    const today = businessDate(new Date(), 'Asia/Shanghai');
    const server = await startServer(['--data', path.join(tmp, 'history'), '--demo-days', '2'], 120_000);
    try {
      expect(server.output()).toMatch(/Sold \d+ sales over the 2 days before today/);
      const login = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'finance', password: 'demo' }) });
      const { token } = (await login.json()) as { token: string };
      const trend = (await (await fetch(`${server.url}/api/v1/recon/trend?to=${today}&days=4`, { headers: { authorization: `Bearer ${token}` } })).json()) as { points: Array<{ date: string; matched: number; exceptions: number }> };
      const sold = trend.points.filter((p) => p.matched > 0);
      expect(sold.map((p) => p.date)).toContain(addDays(today, -1));
      expect(sold).toHaveLength(2);
      for (const day of sold) expect(day.matched).toBeGreaterThan(100);
      // The sandboxes' faults (5 %) show as exceptions.
      expect(sold.reduce((n, d) => n + d.exceptions, 0)).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
  });

  it('starts, serves, and does not reseed on a second start', async () => {
    const data = path.join(tmp, 'twice');
    const first = await startServer(['--data', data]);
    try {
      expect(first.output()).toMatch(/Seeded the demo store S001/);
      const health = (await (await fetch(`${first.url}/healthz`)).json()) as { status: string; db: string };
      expect(health).toMatchObject({ status: 'ok', db: 'sqlite' });
      const pos = await fetch(`${first.url}/pos`);
      expect(pos.status).toBe(200);
      expect(await pos.text()).toMatch(/<div id="root">/);
      const openapi = (await (await fetch(`${first.url}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(openapi.paths)).toContain('/api/v1/auth/login');
    } finally {
      await first.stop();
    }
    expect(fs.existsSync(path.join(data, 'tillpoint.db'))).toBe(true);
    const second = await startServer(['--data', data]);
    try {
      expect(second.output()).not.toMatch(/Seeded/);
    } finally {
      await second.stop();
    }
  });
});
