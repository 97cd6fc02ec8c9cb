// Shelf locations (货位) and counts by location, on SQLite and PostgreSQL: a paste is saved whole
// or not at all with every bad line named; a count of A-03 covers what was placed in A-03 when it
// opened, shows where each item stands, and its variance takes an unscanned item there as 0.
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { introspect, storeScopeViolations } from '../platform/db/introspect';
import { withCheckDigit } from '../catalog/barcode';
import { importSkus } from '../catalog/index';
import { onHand, recordStockMoves } from './index';
import { locationWithin, parseLocationPaste } from './shelf-locations';

describe('parseLocationPaste', () => {
  it('reads comma or tab lines after an optional header, upper-cases locations, and names each bad line', () => {
    const { lines, errors } = parseLocationPaste('货号\t货位\r\nP1\ta-03-2\n\n"P2",B-01\nP3,\nP4,A 03\n,A-01\nP5,A-01,extra\nP6,A-1-2-3-4');
    expect(lines).toEqual([
      { line: 2, code: 'P1', location: 'A-03-2' },
      { line: 4, code: 'P2', location: 'B-01' },
      { line: 5, code: 'P3', location: null },
    ]);
    expect(errors.map((e) => e.line)).toEqual([6, 7, 8, 9]);
    expect(errors[0]?.message).toContain('"A 03" is not a shelf location like A-03-2');
    expect(errors[1]?.message).toContain('no item code');
    expect(errors[2]?.message).toContain('3 values');
  });

  it('takes a location inside another as within it, not a neighbour that merely starts alike', () => {
    expect(locationWithin('A-03-2', 'A-03')).toBe(true);
    expect(locationWithin('A-03', 'A-03')).toBe(true);
    expect(locationWithin('A-030-1', 'A-03')).toBe(false);
    expect(locationWithin('A-03', 'A-03-2')).toBe(false);
  });
});

const EAN = { tea: withCheckDigit('690000001201'), juice: withCheckDigit('690000001202'), soap: withCheckDigit('690000001203'), salt: withCheckDigit('690000001204') };
const piece = { unit: 'piece' as const, plu: null, active: true, components: [] as Array<{ skuCode: string; qty: number }> };

interface Sheet {
  id: string;
  scope: string;
  locationCodes: string[];
  lines: Array<{ code: string; location: string | null; counted: number }>;
}
interface Variance {
  lines: Array<{ code: string; location: string | null; expected: number; counted: number; difference: number; varianceFen: number }>;
  totals: { netFen: number };
}

describeEachDb('inventory: shelf locations and counts by location', (handle) => {
  let t: TestApp;
  let manager: string;
  let cashier: string;
  const ids: Record<string, string> = {};
  let s001 = '';

  const call = (method: InjectOptions['method'], url: string, payload?: unknown, token = manager) =>
    t.tp.app.inject({ method, url: `/api/v1${url}`, payload: payload as InjectOptions['payload'], headers: { authorization: `Bearer ${token}` } });
  const ok = async <T>(method: InjectOptions['method'], url: string, payload?: unknown, token = manager): Promise<T> => {
    const res = await call(method, url, payload, token);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json() as T;
  };
  const locations = async () => (await ok<{ locations: Array<{ code: string; location: string }> }>('GET', '/stock/locations?store=S001')).locations.map((l) => [l.code, l.location]);

  beforeAll(async () => {
    t = await startTestApp(handle(), { stores: 2, products: 0 });
    await importSkus(t.ctx, [
      { ...piece, code: 'L-TEA', name: '东方树叶', categoryCode: 'C3003', priceFen: 500, costFen: 300, barcodes: [EAN.tea] },
      { ...piece, code: 'L-JUICE', name: '汇源果汁', categoryCode: 'C3003', priceFen: 900, costFen: 600, barcodes: [EAN.juice] },
      { ...piece, code: 'L-SOAP', name: '舒肤佳香皂', categoryCode: 'C3001', priceFen: 450, costFen: 250, barcodes: [EAN.soap] },
      { ...piece, code: 'L-SALT', name: '加碘盐', categoryCode: 'C3001', priceFen: 250, costFen: 150, barcodes: [EAN.salt] },
    ]);
    for (const s of await t.ctx.db.selectFrom('skus').select(['id', 'code']).execute()) ids[s.code] = s.id;
    s001 = (await t.ctx.db.selectFrom('stores').select('id').where('code', '=', 'S001').executeTakeFirstOrThrow()).id;
    await recordStockMoves(
      t.ctx,
      ['L-TEA', 'L-JUICE', 'L-SOAP', 'L-SALT'].map((code) => ({ storeId: s001, skuId: ids[code] as string, qty: 10, kind: 'receipt' as const, docType: 'test', docId: 'setup', costFen: 0, businessDate: '2026-11-30' })),
    );
    manager = await t.login('manager');
    cashier = await t.openTill('cashier', 'T01');
  });
  afterAll(async () => {
    await t.close();
  });

  it('keeps store_id in every key of the location tables (Citus rule)', async () => {
    const mine = ['shelf_locations', 'stock_count_skus'];
    const tables = (await introspect(handle())).filter((x) => mine.includes(x.name));
    expect(tables).toHaveLength(mine.length);
    expect(storeScopeViolations(tables)).toEqual([]);
  });

  it('refuses a paste with bad lines, naming each, and saves nothing', async () => {
    const before = await t.ctx.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const res = await call('POST', '/stock/locations/import', { store: 'S001', text: `货号,货位\n${EAN.tea},A-03-1\n6909999999999,A-03-2\nL-JUICE,A/03\nL-TEA,A-04-1` });
    expect(res.statusCode).toBe(422);
    const problem = res.json() as { code: string; detail: string; details: { errors: Array<{ line: number; message: string }>; total: number } };
    expect(problem.code).toBe('LOCATION_IMPORT_INVALID');
    expect(problem.detail).toContain('Line 3 no product has the code 6909999999999');
    expect(problem.details.errors.map((e) => e.line)).toEqual([3, 4, 5]);
    expect(problem.details.errors[2]?.message).toContain('already on line 2');
    expect(await locations()).toEqual([]);
    const after = await t.ctx.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('saves a good paste, then one edit and one clear; only managers may', async () => {
    const saved = await ok<{ placed: number; cleared: number }>('POST', '/stock/locations/import', { store: 'S001', text: `${EAN.tea}\ta-03-1\nL-JUICE\tA-03-2\nL-SOAP\tA-04-1\nL-SALT\tB-01-1\n` });
    expect(saved).toEqual({ placed: 4, cleared: 0 });
    await ok('PUT', '/stock/locations', { store: 'S001', code: EAN.salt, location: '' });
    await ok('PUT', '/stock/locations', { store: 'S001', code: 'L-SOAP', location: 'a-04-2' });
    expect(await locations()).toEqual([
      ['L-TEA', 'A-03-1'],
      ['L-JUICE', 'A-03-2'],
      ['L-SOAP', 'A-04-2'],
    ]);
    const bad = await call('PUT', '/stock/locations', { store: 'S001', code: 'L-SOAP', location: 'A--1' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'location' } });
    expect((await call('PUT', '/stock/locations', { store: 'S001', code: 'L-SOAP', location: 'C-01' }, cashier)).statusCode).toBe(403);
  });

  it('counts aisle A-03: covers what was placed there, shows locations, takes the unscanned as 0', async () => {
    const none = await call('POST', '/stock-counts', { store: 'S001', scope: 'location', locationCodes: ['Z-09'] });
    expect(none.statusCode).toBe(422);
    expect(none.json()).toMatchObject({ code: 'NO_ITEMS_AT_LOCATION' });
    expect((await call('POST', '/stock-counts', { store: 'S001', scope: 'location', locationCodes: [] })).json()).toMatchObject({ code: 'VALIDATION_FAILED' });

    const count = await ok<Sheet>('POST', '/stock-counts', { store: 'S001', scope: 'location', locationCodes: ['a-03', 'A-03-2'] });
    expect(count).toMatchObject({ scope: 'location', locationCodes: ['A-03'], lines: [] });
    // Moving the tea after the count opened does not take it out of the count.
    await ok('PUT', '/stock/locations', { store: 'S001', code: 'L-TEA', location: 'B-02-1' });
    const url = `/stock-counts/${count.id}`;
    await ok('POST', `${url}/entries?store=S001`, { code: EAN.juice, qty: 7 }, cashier);
    const out = await call('POST', `${url}/entries?store=S001`, { code: EAN.soap, qty: 1 }, cashier);
    expect(out.statusCode).toBe(422);
    expect(out.json()).toMatchObject({ code: 'NOT_IN_COUNT_SCOPE', details: { location: 'A-04-2' } });
    expect((out.json() as { detail: string }).detail).toContain('placed at A-04-2, not at A-03');
    const sheet = await ok<Sheet>('GET', `${url}?store=S001`, undefined, cashier);
    expect(sheet.lines).toEqual([expect.objectContaining({ code: 'L-JUICE', location: 'A-03-2', counted: 7 })]);

    await ok('POST', `${url}/submit?store=S001`, undefined, cashier);
    const preview = await ok<Variance>('GET', `${url}/variance?store=S001`);
    const report = await ok<Variance>('POST', `${url}/approve?store=S001`);
    expect(preview.lines).toEqual(report.lines);
    // Tea stood at A-03-1 when the count opened and nobody scanned it: counted 0. Soap and salt are elsewhere: untouched.
    expect(report.lines.map((l) => [l.code, l.location, l.expected, l.counted, l.difference, l.varianceFen])).toEqual([
      ['L-TEA', 'A-03-1', 10, 0, -10, -3000],
      ['L-JUICE', 'A-03-2', 10, 7, -3, -1800],
    ]);
    expect(report.totals.netFen).toBe(-4800);
    const stock = await onHand(t.ctx, s001, [ids['L-TEA'] as string, ids['L-JUICE'] as string, ids['L-SOAP'] as string, ids['L-SALT'] as string]);
    expect([...stock.values()]).toEqual([0, 7, 10, 10]);
    const counts = await ok<{ counts: Array<{ id: string; scope: string; locationCodes: string[] }> }>('GET', '/stock-counts?store=S001');
    expect(counts.counts.find((c) => c.id === count.id)).toMatchObject({ scope: 'location', locationCodes: ['A-03'] });
  });
});
