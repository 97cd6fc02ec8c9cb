import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { describeEachDb } from '../testing/databases';
import { migrate, openDatabase, readSetting, writeSetting } from './index';
import { introspect, storeScopeViolations, type TableInfo } from './introspect';

describeEachDb('database', (handle, kind) => {
  it('migrates once; running again applies nothing', async () => {
    expect(await migrate(handle().db)).toEqual([]);
  });

  it('returns bigint money, counts and sums as exact numbers', async () => {
    const { db } = handle();
    await db.insertInto('sequences').values({ name: 'n-big', last_value: 9_007_199_254_740_000 }).execute();
    await db.insertInto('sequences').values({ name: 'n-small', last_value: 991 }).execute();
    const row = await db.selectFrom('sequences').select('last_value').where('name', '=', 'n-big').executeTakeFirstOrThrow();
    expect(row.last_value).toBe(9_007_199_254_740_000);
    const agg = await db
      .selectFrom('sequences')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('last_value').as('total')])
      .where('name', 'in', ['n-big', 'n-small'])
      .executeTakeFirstOrThrow();
    expect(agg).toEqual({ n: 2, total: 9_007_199_254_740_991 });
    expect(typeof agg.total).toBe('number');
  });

  it('refuses an integer beyond the exact range instead of rounding it', async () => {
    const { db } = handle();
    const query = kind === 'postgres' ? sql`select 9007199254740993::bigint as v` : sql`select 9007199254740993 as v`;
    await expect(query.execute(db)).rejects.toThrow(/exceeds the exact integer range/);
  });

  it('keeps settings', async () => {
    await writeSetting(handle().db, 'k', 'v1');
    await writeSetting(handle().db, 'k', 'v2');
    expect(await readSetting(handle().db, 'k')).toBe('v2');
  });

  it('obeys the store-scoping rule: store_id in every store-scoped primary and foreign key', async () => {
    const tables = await introspect(handle());
    expect(tables.map((t) => t.name)).toContain('terminals');
    expect(tables.find((t) => t.name === 'terminals')?.primaryKey).toEqual(['store_id', 'id']);
    expect(storeScopeViolations(tables)).toEqual([]);
  });
});

describe('store-scoping rule', () => {
  it('names a table whose key lacks store_id', () => {
    const tables: TableInfo[] = [
      { name: 'stores', columns: ['id'], primaryKey: ['id'], foreignKeys: [] },
      { name: 'sales', columns: ['store_id', 'id'], primaryKey: ['id'], foreignKeys: [{ columns: ['store_id'], refTable: 'stores', refColumns: ['id'] }] },
      {
        name: 'sale_lines',
        columns: ['store_id', 'sale_id', 'line'],
        primaryKey: ['store_id', 'sale_id', 'line'],
        foreignKeys: [{ columns: ['sale_id'], refTable: 'sales', refColumns: ['id'] }],
      },
    ];
    expect(storeScopeViolations(tables)).toEqual(['sales: primary key (id) lacks store_id', 'sale_lines: foreign key (sale_id) → sales lacks store_id']);
  });
});

describe('SQLite durability settings', () => {
  it('opens in WAL mode with synchronous=FULL and foreign keys on', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-pragma-'));
    const h = await openDatabase({ kind: 'sqlite', path: path.join(dir, 'x.db') });
    expect(h.sqlite?.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(Number(h.sqlite?.pragma('synchronous', { simple: true }))).toBe(2); // FULL
    expect(Number(h.sqlite?.pragma('foreign_keys', { simple: true }))).toBe(1);
    await h.close();
    fs.rmSync(dir, { recursive: true });
  });

  it('says the data folder is not writable, in one line', async () => {
    await expect(openDatabase({ kind: 'sqlite', path: '/proc/version/nope/x.db' })).rejects.toThrow(/Cannot write to the data folder .* Choose another with --data DIR/);
  });
});
