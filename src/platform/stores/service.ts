// Regions, stores and their terminals (tills).
import { AppError } from '../errors';
import { newId } from '../ids';
import { parseCutover } from '../business-date';
import type { Ctx } from '../context';
import type { StoreScope } from '../auth/permissions';

export interface Store {
  id: string;
  code: string;
  name: string;
  regionId: string | null;
  timeZone: string;
  dayCutover: string;
}

export interface Terminal {
  id: string;
  storeId: string;
  code: string;
  name: string;
}

const CODE = /^[A-Z0-9][A-Z0-9_-]{0,15}$/;

function assertCode(code: string, what: string): void {
  if (!CODE.test(code)) {
    throw new AppError('VALIDATION_FAILED', `${what} code "${code}" must be 1–16 capital letters, digits, "_" or "-" (e.g. S001).`, {
      details: { field: 'code' },
    });
  }
}

export async function createRegion(ctx: Ctx, input: { code: string; name: string }): Promise<{ id: string }> {
  assertCode(input.code, 'Region');
  const id = newId();
  await ctx.db.insertInto('regions').values({ id, code: input.code, name: input.name, created_at: ctx.clock.now().toISOString() }).execute();
  return { id };
}

export async function createStore(
  ctx: Ctx,
  input: { code: string; name: string; regionId?: string | null; timeZone?: string; dayCutover?: string },
): Promise<Store> {
  assertCode(input.code, 'Store');
  const dayCutover = input.dayCutover ?? '00:00';
  parseCutover(dayCutover);
  const existing = await ctx.db.selectFrom('stores').select('id').where('code', '=', input.code).executeTakeFirst();
  if (existing) throw new AppError('CONFLICT', `Store ${input.code} already exists.`);
  const store: Store = {
    id: newId(),
    code: input.code,
    name: input.name,
    regionId: input.regionId ?? null,
    timeZone: input.timeZone ?? 'Asia/Shanghai',
    dayCutover,
  };
  await ctx.db
    .insertInto('stores')
    .values({
      id: store.id,
      code: store.code,
      name: store.name,
      region_id: store.regionId,
      time_zone: store.timeZone,
      day_cutover: store.dayCutover,
      created_at: ctx.clock.now().toISOString(),
    })
    .execute();
  return store;
}

const storeColumns = ['id', 'code', 'name', 'region_id as regionId', 'time_zone as timeZone', 'day_cutover as dayCutover'] as const;

export async function listStores(ctx: Ctx): Promise<Store[]> {
  return ctx.db.selectFrom('stores').select(storeColumns).orderBy('code').execute();
}

export async function findStoreByCode(ctx: Ctx, code: string): Promise<Store> {
  const store = await ctx.db.selectFrom('stores').select(storeColumns).where('code', '=', code).executeTakeFirst();
  if (!store) throw new AppError('NOT_FOUND', `Store ${code} does not exist. Check the store code.`);
  return store;
}

export function scopeOf(store: Store): StoreScope {
  return { storeId: store.id, regionId: store.regionId };
}

/** The scope (store and region) of a store known by id, for permission checks. */
export async function storeScopeById(ctx: Ctx, storeId: string): Promise<StoreScope> {
  const store = await ctx.db.selectFrom('stores').select('region_id').where('id', '=', storeId).executeTakeFirst();
  if (!store) throw new AppError('NOT_FOUND', 'No such store.');
  return { storeId, regionId: store.region_id };
}

export async function createTerminal(ctx: Ctx, storeId: string, input: { code: string; name: string }): Promise<Terminal> {
  assertCode(input.code, 'Terminal');
  const existing = await ctx.db.selectFrom('terminals').select('id').where('store_id', '=', storeId).where('code', '=', input.code).executeTakeFirst();
  if (existing) throw new AppError('CONFLICT', `Terminal ${input.code} already exists in this store.`);
  const terminal: Terminal = { id: newId(), storeId, code: input.code, name: input.name };
  await ctx.db
    .insertInto('terminals')
    .values({ store_id: storeId, id: terminal.id, code: terminal.code, name: terminal.name, created_at: ctx.clock.now().toISOString() })
    .execute();
  return terminal;
}

export async function listTerminals(ctx: Ctx, storeId: string): Promise<Terminal[]> {
  return ctx.db
    .selectFrom('terminals')
    .select(['id', 'store_id as storeId', 'code', 'name'])
    .where('store_id', '=', storeId)
    .orderBy('code')
    .execute();
}
