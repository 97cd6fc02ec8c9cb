// Catalog over HTTP: product search for the till and the back office, create and edit, CSV
// import and export, categories, store prices and promotions.
import { z } from 'zod';
import { AppError } from '../platform/errors';
import { actorOf, requireAuth, type TpApp } from '../platform/http/server';
import { requirePermission } from '../platform/auth/permissions';
import { findStoreByCode, scopeOf } from '../platform/stores/service';
import { formatCatalogCsv, parseCatalogCsv } from './catalog-csv';
import { catalogIndex, createPromotion, exportSkus, importCategories, importSkus, setStorePrice } from './service';
import type { Sku } from './types';
import { ProductOut } from './schema';
import { priceOverrideRoutes } from './price-override-routes';

const SkuIn = z.object({
  code: z.string().min(1).max(32),
  name: z.string().min(1).max(120),
  unit: z.enum(['piece', 'kg']),
  categoryCode: z.string().min(1).max(32),
  priceFen: z.number().int(),
  costFen: z.number().int().default(0),
  plu: z.string().max(5).nullable().default(null),
  barcodes: z.array(z.string().max(14)).max(20).default([]),
  active: z.boolean().default(true),
  components: z.array(z.object({ skuCode: z.string().max(32), qty: z.number().int() })).max(50).default([]),
});

const CSV_LIMIT_BYTES = 20 * 1024 * 1024;

export async function catalogRoutes(app: TpApp): Promise<void> {
  app.addContentTypeParser(['text/csv', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: CSV_LIMIT_BYTES }, (_req, body, done) => done(null, body));

  app.get(
    '/products',
    {
      preHandler: requireAuth(),
      schema: {
        tags: ['catalog'],
        querystring: z.object({ q: z.string().max(100).default(''), limit: z.coerce.number().int().min(1).max(200).default(20), offset: z.coerce.number().int().min(0).default(0), store: z.string().max(16).optional(), inactive: z.coerce.boolean().default(false) }),
        response: { 200: z.object({ total: z.number().int(), products: z.array(ProductOut) }) },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const index = await catalogIndex(req.ctx);
      const store = req.query.store ? await findStoreByCode(req.ctx, req.query.store) : undefined;
      const showCost = actor.grants.some((g) => g.role === 'hq_admin' || g.role === 'store_manager' || g.role === 'regional_manager' || g.role === 'finance');
      const { total, items } = index.search(req.query.q, req.query.limit, req.query.offset, req.query.inactive);
      return {
        total,
        products: items.map((s: Sku) => ({
          skuId: s.id,
          code: s.code,
          name: s.name,
          barcodes: s.barcodes,
          plu: s.plu,
          unit: s.unit,
          priceFen: store ? index.priceFor(store.id, s) : s.priceFen,
          ...(showCost ? { costFen: s.costFen } : {}),
          categoryId: s.categoryId,
          active: s.active,
          components: s.components,
        })),
      };
    },
  );

  app.post('/products', { preHandler: requireAuth('catalog.manage'), schema: { tags: ['catalog'], body: SkuIn, response: { 201: z.object({ created: z.number().int(), updated: z.number().int() }) } } }, async (req, reply) => {
    const index = await catalogIndex(req.ctx);
    if (index.byInternalCode(req.body.code)) throw new AppError('CONFLICT', `Product ${req.body.code} exists already; edit it instead.`);
    return reply.status(201).send(await importSkus(req.ctx, [req.body]));
  });

  app.put('/products/:code', { preHandler: requireAuth('catalog.manage'), schema: { tags: ['catalog'], params: z.object({ code: z.string().max(32) }), body: SkuIn.omit({ code: true }), response: { 200: z.object({ created: z.number().int(), updated: z.number().int() }) } } }, async (req) => {
    const index = await catalogIndex(req.ctx);
    if (!index.byInternalCode(req.params.code)) throw new AppError('PRODUCT_NOT_FOUND', `No product ${req.params.code}.`, { status: 404 });
    return importSkus(req.ctx, [{ ...req.body, code: req.params.code }]);
  });

  app.post(
    '/catalog/import',
    { preHandler: requireAuth('catalog.manage'), bodyLimit: CSV_LIMIT_BYTES, schema: { tags: ['catalog'], summary: 'Import products from CSV (UTF-8 or GBK); all rows or none', response: { 200: z.object({ created: z.number().int(), updated: z.number().int() }) } } },
    async (req) => {
      if (!Buffer.isBuffer(req.body)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the CSV file as the body with Content-Type: text/csv.');
      return importSkus(req.ctx, parseCatalogCsv(req.body));
    },
  );

  app.get('/catalog/export', { preHandler: requireAuth('catalog.manage'), schema: { tags: ['catalog'], summary: 'All products as CSV (UTF-8 with BOM)' } }, async (req, reply) =>
    reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="products.csv"').send(formatCatalogCsv(await exportSkus(req.ctx))),
  );

  app.get('/categories', { preHandler: requireAuth(), schema: { tags: ['catalog'], response: { 200: z.object({ categories: z.array(z.object({ id: z.string(), code: z.string(), name: z.string(), parentId: z.string().nullable(), vatRate: z.string() })) }) } } }, async (req) => ({
    categories: (await catalogIndex(req.ctx)).allCategories(),
  }));

  app.post(
    '/categories',
    { preHandler: requireAuth('catalog.manage'), schema: { tags: ['catalog'], body: z.object({ code: z.string().min(1).max(32), name: z.string().min(1).max(60), parentCode: z.string().max(32).nullable().default(null), vatRate: z.enum(['0.13', '0.09', '0.06', '0']) }), response: { 201: z.object({ id: z.string() }) } } },
    async (req, reply) => {
      const [created] = await importCategories(req.ctx, [req.body]);
      return reply.status(201).send({ id: created?.id ?? '' });
    },
  );

  app.put(
    '/stores/:store/prices/:code',
    { preHandler: requireAuth('store.manage'), schema: { tags: ['catalog'], summary: 'Set a store price override', params: z.object({ store: z.string().max(16), code: z.string().max(32) }), body: z.object({ priceFen: z.number().int() }) } },
    async (req, reply) => {
      if (app.deps.config.role === 'store') {
        throw new AppError('PRICE_OWNED_BY_HQ', `Prices are HQ's: this store node cannot change them (the next pull would undo it). Set the store's own price with PUT /stores/${req.params.store}/price-overrides/${req.params.code} if HQ's policy allows.`, { status: 409 });
      }
      const store = await findStoreByCode(req.ctx, req.params.store);
      requirePermission(actorOf(req), 'store.manage', scopeOf(store));
      const sku = (await catalogIndex(req.ctx)).byInternalCode(req.params.code);
      if (!sku) throw new AppError('PRODUCT_NOT_FOUND', `No product ${req.params.code}.`, { status: 404 });
      await setStorePrice(req.ctx, store.id, sku.id, req.body.priceFen);
      return reply.status(204).send();
    },
  );

  await priceOverrideRoutes(app);

  app.post(
    '/promotions',
    {
      preHandler: requireAuth('catalog.manage'),
      schema: {
        tags: ['catalog'],
        body: z.object({
          name: z.string().min(1).max(60),
          target: z.discriminatedUnion('kind', [z.object({ kind: z.literal('all') }), z.object({ kind: z.literal('skus'), skuIds: z.array(z.string()).max(1000) }), z.object({ kind: z.literal('categories'), categoryIds: z.array(z.string()).max(1000) })]),
          rule: z.discriminatedUnion('kind', [
            z.object({ kind: z.literal('percent_off'), percent: z.string().regex(/^\d{1,2}(\.\d{1,2})?$|^100$/) }),
            z.object({ kind: z.literal('fixed_off'), amountFen: z.number().int().positive() }),
            z.object({ kind: z.literal('buy_x_get_y'), buy: z.number().int().positive(), get: z.number().int().positive() }),
            z.object({ kind: z.literal('threshold'), thresholdFen: z.number().int().positive(), offFen: z.number().int().positive(), repeat: z.boolean() }),
            z.object({ kind: z.literal('special_price'), priceFen: z.number().int().nonnegative() }),
          ]),
          priority: z.number().int().default(100),
          exclusive: z.boolean().default(false),
          membersOnly: z.boolean().default(false),
          startsAt: z.string().datetime({ offset: true }).optional(),
          endsAt: z.string().datetime({ offset: true }).optional(),
        }),
        response: { 201: z.object({ id: z.string() }) },
      },
    },
    async (req, reply) => reply.status(201).send({ id: (await createPromotion(req.ctx, req.body)).id }),
  );
}
