// `tillpoint seed --demo --days`, `report sales` and `report verify`, run as the real command.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTillpoint } from '../platform/testing/cli';
import { businessDate } from '../platform/business-date';
import { addDays } from './periods';
import type { SalesReport } from './service';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-report-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// The command runs on the system clock: history ends yesterday in Shanghai.
const yesterday = addDays(businessDate(new Date()), -1);
const first = addDays(yesterday, -2);
const seedArgs = ['seed', '--demo', '--stores', '2', '--products', '40', '--days', '3', '--sales-per-day', '6', '--seed', '7'];

describe('tillpoint report (CLI)', () => {
  const data = path.join(tmp, 'a');
  beforeAll(async () => {
    const seeded = await runTillpoint([...seedArgs, '--data', data]);
    expect(seeded.stderr).toBe('');
    expect(seeded.stdout).toContain('Sold 36 sales over the 3 days before today.');
  }, 120_000);

  it('reports the seeded history by store as JSON, the same for the same seed', async () => {
    const res = await runTillpoint(['report', 'sales', '--from', first, '--to', yesterday, '--by', 'store', '--data', data]);
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout) as SalesReport;
    expect(report.rows.map((r) => [r.key, r.transactions])).toEqual([
      ['S001', 18],
      ['S002', 18],
    ]);
    expect(report.totals.netFen).toBe(report.rows.reduce((s, r) => s + r.netFen, 0));
    expect(report.totals.netFen).toBeGreaterThan(0);

    const again = path.join(tmp, 'b');
    expect((await runTillpoint([...seedArgs, '--data', again])).code).toBe(0);
    const twin = JSON.parse((await runTillpoint(['report', 'sales', '--from', first, '--to', yesterday, '--by', 'category', '--data', again])).stdout) as SalesReport;
    expect(twin.totals.netFen).toBe(report.totals.netFen);
    expect(twin.totals.costFen).toBe(report.totals.costFen);
  }, 120_000);

  it('the seeded days were paid partly by WeChat and Alipay code and reconciled against the sandboxes’ bills', async () => {
    const res = await runTillpoint(['recon', 'run', '--date', first, '--json', '--data', data]);
    expect(res.code, res.stderr).toBe(0);
    const run = JSON.parse(res.stdout) as { summary: { matched: number }; channels: Array<{ channel: string; count: number }> };
    expect(run.summary.matched).toBeGreaterThan(0);
    expect(run.channels.map((c) => c.channel).sort()).toEqual(expect.arrayContaining(['alipay', 'wechat']));
    expect(run.channels.reduce((s, c) => s + c.count, 0)).toBeGreaterThan(0);
  }, 120_000);

  it('writes CSV and XLSX files', async () => {
    const csv = path.join(tmp, 'days.csv');
    const res = await runTillpoint(['report', 'sales', '--from', first, '--to', yesterday, '--format', 'csv', '--out', csv, '--data', data]);
    expect(res.code, res.stderr).toBe(0);
    const lines = fs.readFileSync(csv, 'utf8').replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines.map((l) => l.split(',')[0])).toEqual(['编码', first, addDays(first, 1), yesterday, '合计']);
    const xlsx = path.join(tmp, 'days.xlsx');
    expect((await runTillpoint(['report', 'sales', '--from', first, '--to', yesterday, '--format', 'xlsx', '--out', xlsx, '--data', data])).code).toBe(0);
    expect(fs.readFileSync(xlsx).subarray(0, 2).toString()).toBe('PK');
    const refused = await runTillpoint(['report', 'sales', '--from', first, '--to', yesterday, '--format', 'xlsx', '--data', data]);
    expect([refused.code, refused.stderr.trim()]).toEqual([2, 'tillpoint: XLSX is binary: give --out FILE.xlsx.']);
  }, 60_000);

  it('verify exits 0 when the rollups equal the raw lines, and names the first difference otherwise', async () => {
    const ok = await runTillpoint(['report', 'verify', '--from', first, '--to', yesterday, '--data', data]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^Rollups agree with the raw lines: \d+ rows in 2 stores/);
    const db = new SqliteDatabase(path.join(data, 'tillpoint.db'));
    db.prepare("update report_sales_daily set qty = qty + 1 where dim_kind = 'total' and business_date = ? and store_id = (select id from stores where code = 'S002')").run(first);
    db.close();
    const bad = await runTillpoint(['report', 'verify', '--from', first, '--to', yesterday, '--data', data]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(new RegExp(`^tillpoint: 1 rollup figures differ from the raw lines; first: store S002 ${first} total qty is \\d+ in the rollup but \\d+ from the lines\\.\\n$`));
  }, 60_000);

  it('an inverted range is one clear line', async () => {
    const res = await runTillpoint(['report', 'sales', '--from', yesterday, '--to', first, '--data', data]);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(`tillpoint: The range ends (${first}) before it starts (${yesterday}); swap from and to.\n`);
  }, 30_000);
});
