import type { InjectOptions } from 'fastify';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { withCheckDigit } from './barcode';

const header = '货号,名称,单位,分类,售价,进价,条码,PLU,状态\n';

describeEachDb('catalog over HTTP', (handle) => {
  let t: TestApp;
  let admin: string;
  const call = (opts: InjectOptions, token = admin) => t.tp.app.inject({ ...opts, headers: { ...opts.headers, authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 50 });
    admin = await t.login('admin');
  });
  afterAll(async () => {
    await t.close();
  });

  it('imports a GBK CSV from Excel, all rows, and finds the products by barcode and name', async () => {
    const a = withCheckDigit('691111111111');
    const csv = `${header}X-001,康师傅 红烧牛肉面,件,C3002,4.50,3.10,${a},,启用\nX-002,散装 红薯,千克,C1002,6.80,4.00,,00991,启用\n`;
    const res = await call({ method: 'POST', url: '/api/v1/catalog/import', headers: { 'content-type': 'text/csv' }, payload: iconv.encode(csv, 'gbk') });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ created: 2, updated: 0 });
    const byCode = (await call({ method: 'GET', url: `/api/v1/products?q=${a}` })).json() as { products: Array<{ code: string; priceFen: number; costFen: number }> };
    expect(byCode.products[0]).toMatchObject({ code: 'X-001', priceFen: 450, costFen: 310 });
    const byName = (await call({ method: 'GET', url: `/api/v1/products?q=${encodeURIComponent('红薯')}` })).json() as { products: Array<{ code: string; unit: string; plu: string }> };
    expect(byName.products).toEqual([expect.objectContaining({ code: 'X-002', unit: 'kg', plu: '00991' })]);
  });

  it('refuses a file with a bad row, naming the line, and imports nothing of it', async () => {
    const csv = `${header}Y-001,好商品,件,C3002,1.00,0.50,,,启用\nY-002,坏价格,件,C3002,12.345,1,,,启用\n`;
    const res = await call({ method: 'POST', url: '/api/v1/catalog/import', headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'CSV_INVALID', detail: expect.stringMatching(/^Line 3, price/) });
    const found = (await call({ method: 'GET', url: '/api/v1/products?q=Y-001' })).json() as { total: number };
    expect(found.total).toBe(0);
  });

  it('refuses an unknown category by row, and a cashier may not import', async () => {
    const csv = `${header}Z-001,无分类,件,C9999,1.00,0.50,,,启用\n`;
    const res = await call({ method: 'POST', url: '/api/v1/catalog/import', headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', detail: expect.stringMatching(/category C9999 does not exist/) });
    const cashier = await t.login('cashier');
    const refused = await call({ method: 'POST', url: '/api/v1/catalog/import', headers: { 'content-type': 'text/csv' }, payload: csv }, cashier);
    expect(refused.statusCode).toBe(403);
  });

  it('exports what it imports, and a store price override changes that store only', async () => {
    const exported = await call({ method: 'GET', url: '/api/v1/catalog/export' });
    expect(exported.headers['content-type']).toMatch(/text\/csv/);
    expect(exported.body).toContain('X-001,康师傅 红烧牛肉面,件,C3002,4.50,3.10');
    const manager = await t.login('manager');
    expect((await call({ method: 'PUT', url: '/api/v1/stores/S001/prices/X-001', payload: { priceFen: 399 } }, manager)).statusCode).toBe(204);
    const elsewhere = await call({ method: 'PUT', url: '/api/v1/stores/S002/prices/X-001', payload: { priceFen: 1 } }, manager);
    expect(elsewhere.json()).toMatchObject({ code: 'STORE_OUT_OF_SCOPE' });
    const s1 = (await call({ method: 'GET', url: '/api/v1/products?q=X-001&store=S001' })).json() as { products: Array<{ priceFen: number }> };
    const s2 = (await call({ method: 'GET', url: '/api/v1/products?q=X-001&store=S002' })).json() as { products: Array<{ priceFen: number }> };
    expect([s1.products[0]?.priceFen, s2.products[0]?.priceFen]).toEqual([399, 450]);
  });
});
