// A purchase order sent to the supplier, on SQLite and PostgreSQL: sending records who and when
// (audited), the printable page carries the figures a supplier checks (quantities, amounts, total,
// total in capitals, date in the store's zone), and the XLSX and CSV read back to the same cells.
import type { InjectOptions } from 'fastify';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { withCheckDigit } from '../catalog/barcode';
import { importSkus } from '../catalog/index';

const EAN = { water: withCheckDigit('690000001101'), noodles: withCheckDigit('690000001102') };
const piece = { unit: 'piece' as const, plu: null, active: true, components: [] as Array<{ skuCode: string; qty: number }> };

interface Po {
  id: string;
  poNo: string;
  status: string;
  sentAt: string | null;
  sentBy: string | null;
  totalCostFen: number;
}

describeEachDb('inventory: purchase orders printed and exported', (handle) => {
  let t: TestApp;
  let manager: string;
  let po: Po;

  const call = (method: InjectOptions['method'], url: string, payload?: unknown, token = manager) =>
    t.tp.app.inject({ method, url: `/api/v1${url}`, payload: payload as InjectOptions['payload'], headers: { authorization: `Bearer ${token}` } });
  const ok = async <T>(method: InjectOptions['method'], url: string, payload?: unknown): Promise<T> => {
    const res = await call(method, url, payload);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json() as T;
  };

  beforeAll(async () => {
    // 01:30 in Shanghai on 1 December while it is still 30 November in UTC.
    t = await startTestApp(handle(), { stores: 2, products: 0, start: '2026-11-30T17:30:00Z' });
    await importSkus(t.ctx, [
      { ...piece, code: 'D-WATER', name: '农夫山泉 550ml', categoryCode: 'C3003', priceFen: 200, costFen: 95, barcodes: [EAN.water] },
      { ...piece, code: 'D-NOODLE', name: '康师傅红烧牛肉面 <五连包>', categoryCode: 'C3001', priceFen: 1290, costFen: 1015, barcodes: [EAN.noodles] },
      { ...piece, code: 'D-BEEF', name: '牛腱子', unit: 'kg', plu: '00077', categoryCode: 'C1001', priceFen: 8800, costFen: 6000, barcodes: [] },
    ]);
    manager = await t.login('manager');
    await ok('POST', '/suppliers', { code: 'NFSQ', name: '农夫山泉华东经销部', contact: '刘经理 021-5555 0101' });
    po = await ok<Po>('POST', '/purchase-orders', {
      store: 'S001',
      supplierCode: 'NFSQ',
      note: '请于周五上午送货',
      deliveryAddress: '上海市静安区南京西路 1 号 后门卸货区',
      lines: [
        { code: EAN.water, qty: 48, unitCostFen: 95 },
        { code: 'D-NOODLE', qty: 12, unitCostFen: 1015 },
        { code: 'D-BEEF', qty: 2350, unitCostFen: 5990 },
      ],
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('sending records who and when, once, in the audit trail', async () => {
    // 48 × ¥0.95 + 12 × ¥10.15 + 2.35 kg × ¥59.90 (140.765 → 140.76, half-even) = ¥308.16
    expect(po).toMatchObject({ status: 'draft', sentAt: null, sentBy: null, totalCostFen: 4560 + 12180 + 14076 });
    const sent = await ok<Po>('POST', `/purchase-orders/${po.id}/send?store=S001`);
    expect(sent).toMatchObject({ status: 'ordered', sentAt: '2026-11-30T17:30:00.000Z', sentBy: '王店长' });
    const again = await call('POST', `/purchase-orders/${po.id}/send?store=S001`);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'PO_ALREADY_SENT' });
    const audit = await t.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'po.sent').where('doc_id', '=', po.id).execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(String(audit[0]?.data))).toMatchObject({ poNo: po.poNo, sentBy: 'manager' });
  });

  it('prints an A4 page with the lines, the total, the total in capitals and the date in the store’s zone', async () => {
    const res = await call('GET', `/purchase-orders/${po.id}/print?store=S001`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    const html = res.body;
    expect(html).toContain('采购订单');
    expect(html).toContain(po.poNo);
    expect(html).toContain('农夫山泉华东经销部（NFSQ）');
    expect(html).toContain('刘经理 021-5555 0101');
    expect(html).toContain('上海市静安区南京西路 1 号 后门卸货区');
    expect(html).toContain('<dt>订货日期</dt><dd>2026-12-01</dd>');
    expect(html).toContain('@page{size:A4');
    expect(html).toContain('打印 / 另存为PDF');
    // The product's name is escaped, not markup.
    expect(html).toContain('康师傅红烧牛肉面 &lt;五连包&gt;');
    const row = (code: string) => new RegExp(`<tr><td class="n">\\d+</td><td>${code}</td>.*?</tr>`).exec(html)?.[0] ?? '';
    expect(row('D-WATER')).toBe(`<tr><td class="n">1</td><td>D-WATER</td><td>${EAN.water}</td><td>农夫山泉 550ml</td><td>件</td><td class="n">48</td><td class="n">¥0.95</td><td class="n">¥45.60</td></tr>`);
    expect(row('D-NOODLE')).toContain('<td class="n">12</td><td class="n">¥10.15</td><td class="n">¥121.80</td>');
    expect(row('D-BEEF')).toContain('<td>千克</td><td class="n">2.350</td><td class="n">¥59.90</td><td class="n">¥140.76</td>');
    expect(html).toContain('<td class="n" id="total">¥308.16</td>');
    expect(html).toContain('<span id="total-capitals">叁佰零捌元壹角陆分</span>');
    expect(html).toContain('制单：王店长');
    // The button's script is served from the app (the CSP forbids inline scripts).
    expect(html).not.toMatch(/<script>|onclick/);
    const script = await t.tp.app.inject({ method: 'GET', url: '/api/v1/purchase-orders/print.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toContain('javascript');
    expect(script.body).toContain('window.print()');
  });

  it('exports the order as XLSX with the same figures, as numbers', async () => {
    const res = await call('GET', `/purchase-orders/${po.id}/export?store=S001&format=xlsx`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${po.poNo}.xlsx"`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const rows: unknown[][] = [];
    book.worksheets[0]?.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    const byLabel = (label: string | number) => rows.find((r) => r[0] === label);
    expect(rows[0]).toEqual(['采购订单']);
    expect(byLabel('订单号')).toEqual(['订单号', po.poNo]);
    expect(byLabel('订货日期')).toEqual(['订货日期', '2026-12-01']);
    expect(byLabel('供应商')).toEqual(['供应商', '农夫山泉华东经销部（NFSQ）']);
    expect(byLabel('序号')).toEqual(['序号', '商品编码', '条码', '品名', '单位', '数量', '单价(元)', '金额(元)']);
    expect(byLabel(1)).toEqual([1, 'D-WATER', EAN.water, '农夫山泉 550ml', '件', 48, 0.95, 45.6]);
    expect(byLabel(2)).toEqual([2, 'D-NOODLE', EAN.noodles, '康师傅红烧牛肉面 <五连包>', '件', 12, 10.15, 121.8]);
    expect(byLabel(3)).toEqual([3, 'D-BEEF', '', '牛腱子', '千克', 2.35, 59.9, 140.76]);
    expect(byLabel('合计')?.[7]).toBe(308.16);
    expect(byLabel('金额大写')).toEqual(['金额大写', '叁佰零捌元壹角陆分']);
    expect(byLabel('备注')).toEqual(['备注', '请于周五上午送货']);
  });

  it('exports CSV with a BOM and exact yuan', async () => {
    const res = await call('GET', `/purchase-orders/${po.id}/export?store=S001&format=csv`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.body.startsWith('\uFEFF')).toBe(true);
    const lines = res.body.slice(1).split(/\r?\n/);
    expect(lines).toContain(`1,D-WATER,${EAN.water},农夫山泉 550ml,件,48,0.95,45.60`);
    expect(lines).toContain(`3,D-BEEF,,牛腱子,千克,2.350,59.90,140.76`);
    expect(lines).toContain('合计,,,,,,,308.16');
  });

  it('answers an unknown order, or another store’s, with 404 problem+json', async () => {
    for (const url of [`/purchase-orders/0190f0f0-0000-7000-8000-000000000000/print?store=S001`, `/purchase-orders/nope/export?store=S001&format=xlsx`]) {
      const res = await call('GET', url);
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ code: 'NOT_FOUND' });
    }
    const admin = await t.login('admin');
    const elsewhere = await call('GET', `/purchase-orders/${po.id}/print?store=S002`, undefined, admin);
    expect(elsewhere.statusCode).toBe(404);
    // The S001 manager may not print at S002.
    expect((await call('GET', `/purchase-orders/${po.id}/print?store=S002`)).statusCode).toBe(403);
  });
});
