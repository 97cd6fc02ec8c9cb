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
  /** Postal address, as HQ keeps it. */
  address: string | null;
}

export interface Region {
  id: string;
  code: string;
  name: string;
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

function assertName(name: string, what: string): void {
  if (!name.trim() || name.length > 60) throw new AppError('VALIDATION_FAILED', `${what} name must be 1–60 characters.`, { details: { field: 'name' } });
}

function assertTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new AppError('VALIDATION_FAILED', `Time zone "${timeZone}" is not an IANA time zone name (e.g. Asia/Shanghai).`, { details: { field: 'timeZone' } });
  }
}

export async function createRegion(ctx: Ctx, input: { code: string; name: string }): Promise<{ id: string }> {
  assertCode(input.code, 'Region');
  assertName(input.name, 'Region');
  const existing = await ctx.db.selectFrom('regions').select('id').where('code', '=', input.code).executeTakeFirst();
  if (existing) throw new AppError('CONFLICT', `Region ${input.code} already exists.`, { details: { field: 'code' } });
  const id = newId();
  await ctx.db.insertInto('regions').values({ id, code: input.code, name: input.name, created_at: ctx.clock.now().toISOString() }).execute();
  return { id };
}

export async function createStore(
  ctx: Ctx,
  input: { code: string; name: string; regionId?: string | null; timeZone?: string; dayCutover?: string; address?: string | null },
): Promise<Store> {
  assertCode(input.code, 'Store');
  assertName(input.name, 'Store');
  const dayCutover = input.dayCutover ?? '00:00';
  parseCutover(dayCutover);
  assertTimeZone(input.timeZone ?? 'Asia/Shanghai');
  const existing = await ctx.db.selectFrom('stores').select('id').where('code', '=', input.code).executeTakeFirst();
  if (existing) throw new AppError('CONFLICT', `Store ${input.code} already exists.`);
  const store: Store = {
    id: newId(),
    code: input.code,
    name: input.name,
    regionId: input.regionId ?? null,
    timeZone: input.timeZone ?? 'Asia/Shanghai',
    dayCutover,
    address: input.address?.trim() || null,
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
      address: store.address ?? null,
      created_at: ctx.clock.now().toISOString(),
    })
    .execute();
  return store;
}

const storeColumns = ['id', 'code', 'name', 'region_id as regionId', 'time_zone as timeZone', 'day_cutover as dayCutover', 'address'] as const;

/**
 * Changes a store's name, region, address, time zone or day cutover (its code stays: documents
 * carry it). A region must exist; a time zone must be an IANA name.
 *
 * @example await updateStore(ctx, 'S002', { name: '静安店', address: '上海市静安区…' })
 */
export async function updateStore(ctx: Ctx, code: string, input: { name?: string; regionId?: string | null; timeZone?: string; dayCutover?: string; address?: string | null }): Promise<Store> {
  const store = await findStoreByCode(ctx, code);
  if (input.name !== undefined) assertName(input.name, 'Store');
  if (input.dayCutover !== undefined) parseCutover(input.dayCutover);
  if (input.timeZone !== undefined) assertTimeZone(input.timeZone);
  if (input.regionId) {
    const region = await ctx.db.selectFrom('regions').select('id').where('id', '=', input.regionId).executeTakeFirst();
    if (!region) throw new AppError('VALIDATION_FAILED', 'The region does not exist; pick one from the list or create it first.', { details: { field: 'regionId' } });
  }
  const next: Store = {
    ...store,
    name: input.name?.trim() ?? store.name,
    regionId: input.regionId === undefined ? store.regionId : input.regionId,
    timeZone: input.timeZone ?? store.timeZone,
    dayCutover: input.dayCutover ?? store.dayCutover,
    address: input.address === undefined ? (store.address ?? null) : input.address?.trim() || null,
  };
  await ctx.db.updateTable('stores').set({ name: next.name, region_id: next.regionId, time_zone: next.timeZone, day_cutover: next.dayCutover, address: next.address ?? null }).where('id', '=', store.id).execute();
  return next;
}

export async function listRegions(ctx: Ctx): Promise<Region[]> {
  return ctx.db.selectFrom('regions').select(['id', 'code', 'name']).orderBy('code').execute();
}

export async function findRegionByCode(ctx: Ctx, code: string): Promise<Region> {
  const region = await ctx.db.selectFrom('regions').select(['id', 'code', 'name']).where('code', '=', code).executeTakeFirst();
  if (!region) throw new AppError('NOT_FOUND', `Region ${code} does not exist. Check the region code.`);
  return region;
}

export async function renameRegion(ctx: Ctx, code: string, name: string): Promise<Region> {
  const region = await findRegionByCode(ctx, code);
  assertName(name, 'Region');
  await ctx.db.updateTable('regions').set({ name: name.trim() }).where('id', '=', region.id).execute();
  return { ...region, name: name.trim() };
}

export async function listStores(ctx: Ctx): Promise<Store[]> {
  return ctx.db.selectFrom('stores').select(storeColumns).orderBy('code').execute();
}

export async function findStoreByCode(ctx: Ctx, code: string): Promise<Store> {
  const store = await ctx.db.selectFrom('stores').select(storeColumns).where('code', '=', code).executeTakeFirst();
  if (!store) throw new AppError('NOT_FOUND', `Store ${code} does not exist. Check the store code.`);
  return store;
}

export async function findStoreById(ctx: Ctx, id: string): Promise<Store> {
  const store = await ctx.db.selectFrom('stores').select(storeColumns).where('id', '=', id).executeTakeFirst();
  if (!store) throw new AppError('NOT_FOUND', `No store has the id ${id}.`);
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
