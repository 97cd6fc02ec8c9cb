// Checkout over HTTP (DESIGN §9): carts, scans, tenders, completion, sales, shifts, receipts.
import { z } from 'zod';
import { AppError } from '../platform/errors';
import { actorOf, requireAuth, type TpApp } from '../platform/http/server';
import { requirePermission, storeFilter } from '../platform/auth/permissions';
import { findStoreByCode, scopeOf } from '../platform/stores/service';
import { checkoutSettings, saveCheckoutSettings } from './settings';
import { renderEscPos } from './receipt-escpos';
import { renderReceiptHtml } from './receipt-html';
import { receiptViewOf } from './receipt-data';
import { addSku, addTender, applyCoupon, cancelWalletPayment, changeLine, clearCart, completeSale, createCart, getCartView, getSale, holdCart, listHeldCarts, recallCart, redeemGift, removeCoupon, removeTender, saleByReceiptToken, scan, setCartMember, voidLine } from './service';
import { closeShift, currentShift, moveCash, openShift, shiftReport } from './shifts';
import { CartOut, SaleOut, ShiftOut, ShiftReportOut, TillIn } from './schema';

const CartParams = z.object({ id: z.string().max(64) });
const LineParams = z.object({ id: z.string().max(64), lineId: z.string().max(16) });
const Qty = z.number().int().describe('pieces');
const tags = ['checkout'];

export async function checkoutRoutes(app: TpApp): Promise<void> {
  const sell = { preHandler: requireAuth('pos.sell') };

  app.post('/carts', { ...sell, schema: { tags, body: TillIn.nullish(), response: { 201: CartOut } } }, async (req, reply) => reply.status(201).send(await createCart(req.ctx, req.body ?? {})));
  app.get('/carts/:id', { ...sell, schema: { tags, params: CartParams, response: { 200: CartOut } } }, (req) => getCartView(req.ctx, req.params.id));
  app.post(
    '/carts/:id/scan',
    { ...sell, schema: { tags, summary: 'Scan or type a code into the cart', params: CartParams, body: z.object({ code: z.string().max(200), qty: Qty.optional() }), response: { 200: CartOut } } },
    (req) => scan(req.ctx, req.params.id, req.body),
  );
  app.post('/carts/:id/lines', { ...sell, schema: { tags, params: CartParams, body: z.object({ skuId: z.string().max(64), qty: Qty.optional() }), response: { 200: CartOut } } }, (req) =>
    addSku(req.ctx, req.params.id, req.body),
  );
  app.patch(
    '/carts/:id/lines/:lineId',
    {
      ...sell,
      schema: {
        tags,
        params: LineParams,
        body: z.object({ qty: Qty.optional(), unitPriceFen: z.number().int().optional(), discountFen: z.number().int().optional(), reason: z.string().max(200).optional() }),
        response: { 200: CartOut },
      },
    },
    (req) => changeLine(req.ctx, req.params.id, req.params.lineId, req.body),
  );
  app.delete('/carts/:id/lines/:lineId', { ...sell, schema: { tags, params: LineParams, response: { 200: CartOut } } }, (req) => voidLine(req.ctx, req.params.id, req.params.lineId));
  app.post('/carts/:id/clear', { ...sell, schema: { tags, params: CartParams, response: { 200: CartOut } } }, (req) => clearCart(req.ctx, req.params.id));
  app.post('/carts/:id/hold', { ...sell, schema: { tags, params: CartParams, body: z.object({ label: z.string().max(40).optional() }).nullish(), response: { 200: z.object({ heldId: z.string() }) } } }, (req) =>
    holdCart(req.ctx, req.params.id, req.body?.label),
  );
  app.get('/carts-held', { ...sell, schema: { tags, querystring: TillIn, response: { 200: z.object({ held: z.array(z.object({ heldId: z.string(), label: z.string(), heldAt: z.string(), lines: z.number().int() })) }) } } }, async (req) => ({
    held: await listHeldCarts(req.ctx, req.query),
  }));
  app.post('/carts-held/:id/recall', { ...sell, schema: { tags, params: CartParams, body: TillIn.nullish(), response: { 200: CartOut } } }, (req) => recallCart(req.ctx, req.params.id, req.body ?? {}));
  app.post(
    '/carts/:id/tenders',
    {
      ...sell,
      schema: {
        tags,
        summary: 'Take a payment (cash gives change; card pays at most what is due)',
        params: CartParams,
        body: z.object({ method: z.enum(['cash', 'card', 'wechat', 'alipay', 'unionpay', 'ecny', 'points']), amountFen: z.number().int().optional(), authCode: z.string().max(64).optional() }),
        response: { 200: CartOut },
      },
    },
    (req) => addTender(req.ctx, req.params.id, req.body),
  );
  app.post(
    '/carts/:id/member',
    { ...sell, schema: { tags, summary: 'Attach the member with this phone number to the cart (null detaches); scanning a member code does the same', params: CartParams, body: z.object({ phone: z.string().max(32).nullable() }), response: { 200: CartOut } } },
    (req) => setCartMember(req.ctx, req.params.id, req.body),
  );
  app.post(
    '/carts/:id/gifts',
    { ...sell, schema: { tags, summary: 'Redeem a points gift (积分兑换礼品) for the cart’s member: a line at the gift’s cash part, points debited on completion', params: CartParams, body: z.object({ skuId: z.string().max(64).describe('the gift’s SKU id or code') }), response: { 200: CartOut } } },
    (req) => redeemGift(req.ctx, req.params.id, req.body),
  );
  app.post(
    '/carts/:id/coupon',
    { ...sell, schema: { tags, summary: 'Apply one of the member’s coupons (refused when used, expired or under its minimum spend)', params: CartParams, body: z.object({ code: z.string().max(64) }), response: { 200: CartOut } } },
    (req) => applyCoupon(req.ctx, req.params.id, req.body),
  );
  app.delete('/carts/:id/coupon', { ...sell, schema: { tags, summary: 'Take the coupon off the cart', params: CartParams, response: { 200: CartOut } } }, (req) => removeCoupon(req.ctx, req.params.id));
  app.post(
    '/carts/:id/payments/cancel',
    { ...sell, schema: { tags, summary: 'Stop waiting for the customer to confirm a wallet payment (it is reversed)', params: CartParams, response: { 200: z.object({ cancelling: z.boolean() }) } } },
    (req) => cancelWalletPayment(req.ctx, req.params.id),
  );
  app.delete('/carts/:id/tenders/:tenderId', { ...sell, schema: { tags, params: z.object({ id: z.string().max(64), tenderId: z.string().max(64) }), response: { 200: CartOut } } }, (req) =>
    removeTender(req.ctx, req.params.id, req.params.tenderId),
  );
  app.post(
    '/carts/:id/complete',
    { ...sell, schema: { tags, summary: 'Complete the sale (idempotent per cart and Idempotency-Key)', params: CartParams, headers: z.object({ 'idempotency-key': z.string().max(100).optional() }), response: { 200: SaleOut } } },
    (req) => completeSale(req.ctx, req.params.id, { idempotencyKey: req.headers['idempotency-key'] }),
  );

  app.get('/sales/:id', { preHandler: requireAuth('store.view'), schema: { tags, params: CartParams, response: { 200: SaleOut } } }, (req) => getSale(req.ctx, req.params.id));
  app.get(
    '/sales',
    {
      preHandler: requireAuth('store.view'),
      schema: {
        tags,
        querystring: z.object({ from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), store: z.string().max(16).optional(), limit: z.coerce.number().int().min(1).max(500).default(100), offset: z.coerce.number().int().min(0).default(0) }),
        response: { 200: z.object({ total: z.number().int(), sales: z.array(z.object({ id: z.string(), receiptNo: z.string(), businessDate: z.string(), storeId: z.string(), totalFen: z.number().int(), createdAt: z.string() })) }) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const stores = await req.ctx.db.selectFrom('stores').select(['id as storeId', 'region_id as regionId', 'code']).execute();
      const wanted = req.query.store ? stores.filter((s) => s.code === req.query.store) : stores;
      if (req.query.store && wanted.length === 0) throw new AppError('NOT_FOUND', `Store ${req.query.store} does not exist.`);
      const allowed = storeFilter(actor, 'store.view', wanted);
      const ids = allowed === 'all' ? wanted.map((s) => s.storeId) : allowed;
      if (req.query.store && ids.length === 0) throw new AppError('STORE_OUT_OF_SCOPE', 'You may not see this store.');
      if (ids.length === 0) return { total: 0, sales: [] };
      const base = req.ctx.db.selectFrom('sales').where('store_id', 'in', ids).where('business_date', '>=', req.query.from).where('business_date', '<=', req.query.to);
      const [count, rows] = await Promise.all([
        base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
        base.select(['id', 'receipt_no as receiptNo', 'business_date as businessDate', 'store_id as storeId', 'total_fen as totalFen', 'created_at as createdAt']).orderBy('created_at').orderBy('id').limit(req.query.limit).offset(req.query.offset).execute(),
      ]);
      return { total: Number(count.n), sales: rows };
    },
  );
  app.get(
    '/sales/:id/receipt',
    { preHandler: requireAuth('store.view'), schema: { tags, summary: 'The receipt as ESC/POS bytes (GB18030) or HTML', params: CartParams, querystring: z.object({ format: z.enum(['escpos58', 'escpos80', 'html']).default('html'), lang: z.enum(['zh-CN', 'en']).default('zh-CN') }) } },
    async (req, reply) => {
      const sale = await getSale(req.ctx, req.params.id);
      const view = await receiptViewOf(req.ctx, sale.id, `${req.protocol}://${req.host}`);
      if (req.query.format === 'html') return reply.type('text/html; charset=utf-8').send(await renderReceiptHtml(view, req.query.lang));
      return reply.type('application/octet-stream').header('content-disposition', `attachment; filename="${sale.receiptNo}.bin"`).send(renderEscPos(view, { width: req.query.format === 'escpos58' ? 58 : 80 }));
    },
  );

  const SettingsBody = z.object({
    cashRounding: z.enum(['none', 'jiao']),
    scan: z.object({
      scaleFormats: z.array(z.object({ prefix: z.string().regex(/^\d{1,3}$/), kind: z.enum(['price', 'weight']), pluDigits: z.number().int().min(1).max(8), valueDigits: z.number().int().min(1).max(8) })).max(10),
      paymentRoutes: z.array(z.object({ channel: z.enum(['wechat', 'alipay', 'unionpay', 'ecny']), pattern: z.string().max(100) })).max(10),
      memberPatterns: z.array(z.string().max(100)).max(10),
    }),
  });
  app.get('/stores/:code/checkout-settings', { preHandler: requireAuth('store.view'), schema: { tags: ['checkout'], params: z.object({ code: z.string().max(16) }), response: { 200: SettingsBody } } }, async (req) => {
    const store = await findStoreByCode(req.ctx, req.params.code);
    requirePermission(actorOf(req), 'store.view', scopeOf(store));
    return checkoutSettings(req.ctx, store.id);
  });
  app.put(
    '/stores/:code/checkout-settings',
    { preHandler: requireAuth('store.manage'), schema: { tags: ['checkout'], summary: 'Cash rounding (抹零), scale-label formats and payment-code routes of a store', params: z.object({ code: z.string().max(16) }), body: SettingsBody, response: { 200: SettingsBody } } },
    async (req) => {
      const store = await findStoreByCode(req.ctx, req.params.code);
      requirePermission(actorOf(req), 'store.manage', scopeOf(store));
      for (const pattern of [...req.body.scan.paymentRoutes.map((r) => r.pattern), ...req.body.scan.memberPatterns]) {
        try {
          new RegExp(pattern);
        } catch {
          throw new AppError('VALIDATION_FAILED', `"${pattern}" is not a valid pattern.`, { details: { field: 'scan' } });
        }
      }
      await saveCheckoutSettings(req.ctx, store.id, req.body);
      return checkoutSettings(req.ctx, store.id);
    },
  );

  const shift = { preHandler: requireAuth('pos.shift') };
  app.post('/shifts/open', { ...shift, schema: { tags: ['shifts'], body: TillIn.extend({ floatFen: z.number().int() }), response: { 201: ShiftOut } } }, async (req, reply) => reply.status(201).send(await openShift(req.ctx, req.body)));
  app.get('/shifts/current', { ...shift, schema: { tags: ['shifts'], querystring: TillIn, response: { 200: z.object({ shift: ShiftOut.nullable() }) } } }, async (req) => ({ shift: await currentShift(req.ctx, req.query) }));
  app.post(
    '/shifts/:id/cash',
    { ...shift, schema: { tags: ['shifts'], params: CartParams, body: z.object({ kind: z.enum(['in', 'out']), amountFen: z.number().int(), reason: z.string().max(200) }), response: { 200: ShiftReportOut } } },
    (req) => moveCash(req.ctx, req.params.id, req.body),
  );
  app.post(
    '/shifts/:id/close',
    { ...shift, schema: { tags: ['shifts'], params: CartParams, body: z.object({ denominations: z.record(z.string(), z.number().int()).optional(), countedFen: z.number().int().optional() }), response: { 200: ShiftReportOut } } },
    (req) => closeShift(req.ctx, req.params.id, req.body),
  );
  app.get('/shifts/:id/report', { ...shift, schema: { tags: ['shifts'], params: CartParams, response: { 200: ShiftReportOut } } }, (req) => shiftReport(req.ctx, req.params.id));
}

/** The e-receipt page (outside /api): public by an unguessable token, opened from the QR. */
export async function receiptPageRoutes(app: TpApp): Promise<void> {
  app.get('/r/:token', { schema: { hide: true, params: z.object({ token: z.string().max(64) }), querystring: z.object({ lang: z.enum(['zh-CN', 'en']).default('zh-CN') }) } }, async (req, reply) => {
    const sale = await saleByReceiptToken(req.ctx, req.params.token);
    if (!sale) throw new AppError('RECEIPT_NOT_FOUND', 'No receipt at this address. Check the link on your slip.', { status: 404 });
    const view = await receiptViewOf(req.ctx, sale.id, `${req.protocol}://${req.host}`);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'private, max-age=300').send(await renderReceiptHtml(view, req.query.lang));
  });
}
