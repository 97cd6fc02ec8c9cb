// Opens the database named by the configuration (SQLite file or PostgreSQL) behind one Kysely
// type, runs migrations, and normalises result types so both dialects return the same rows.
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type KyselyPlugin,
  type PluginTransformResultArgs,
  type QueryResult,
  type Transaction,
  type UnknownRow,
  type SqliteDatabase as SqliteDialectDatabase,
} from 'kysely';
import pg from 'pg';
import { AppError } from '../errors';
import { redactUrl, type DbTarget } from '../config';
import { migrations } from './migrations/index';
import type { Database } from './schema';

export type { Database } from './schema';
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

export interface DbHandle {
  db: Db;
  kind: DbTarget['kind'];
  /** The raw SQLite connection (backup, pragmas), when the dialect is SQLite. */
  sqlite?: SqliteDatabase.Database;
  close(): Promise<void>;
}

// PostgreSQL returns int8 and numeric as strings; money and counts must come back as numbers,
// and never through a float. Integers beyond 2^53 are refused rather than silently rounded.
const INT8_OID = 20;
const NUMERIC_OID = 1700;
function parseExactInteger(text: string): number | string {
  if (!/^-?\d+$/.test(text)) return text;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new AppError('INTERNAL', `Database value ${text} exceeds the exact integer range.`);
  return n;
}
pg.types.setTypeParser(INT8_OID, parseExactInteger);
pg.types.setTypeParser(NUMERIC_OID, parseExactInteger);

// better-sqlite3 would round integers past 2^53 silently; with safe integers on it returns
// BigInt, which this plugin turns back into numbers, refusing any it cannot hold exactly.
function exactNumber(value: bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new AppError('INTERNAL', `Database value ${value} exceeds the exact integer range.`);
  return n;
}
const sqliteIntegers: KyselyPlugin = {
  transformQuery: (args) => args.node,
  transformResult: async (args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => {
    for (const row of args.result.rows) {
      for (const key in row) {
        const v = row[key];
        if (typeof v === 'bigint') row[key] = exactNumber(v);
      }
    }
    return args.result;
  },
};

/**
 * Opens the database and checks it can be reached. Errors say what to do in one line.
 *
 * @example const handle = await openDatabase({ kind: 'sqlite', path: './data/tillpoint.db' });
 */
export async function openDatabase(target: DbTarget, options: { poolSize?: number } = {}): Promise<DbHandle> {
  return target.kind === 'sqlite' ? openSqlite(target.path) : openPostgres(target.url, options.poolSize ?? 10);
}

/**
 * Kysely prepares every query afresh; better-sqlite3 statements can be reused, and preparing
 * was a tenth of a sale's cost. Statements are kept by SQL text (bounded, oldest dropped).
 */
function cachingStatements(sqlite: SqliteDatabase.Database, max = 500): SqliteDialectDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (text: string) => {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = sqlite.prepare(text);
        if (cache.size >= max) cache.delete(cache.keys().next().value ?? '');
        cache.set(text, stmt);
      }
      return stmt;
    },
  };
}

function openSqlite(file: string): DbHandle {
  if (file !== ':memory:') {
    const dir = path.dirname(file);
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.accessSync(dir, fs.constants.W_OK);
    } catch (err) {
      throw new AppError('DATA_DIR_UNWRITABLE', `Cannot write to the data folder ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'}). Choose another with --data DIR.`);
    }
  }
  let sqlite: SqliteDatabase.Database;
  try {
    sqlite = new SqliteDatabase(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.defaultSafeIntegers(true);
  } catch (err) {
    throw new AppError('DB_UNAVAILABLE', `Cannot open the SQLite file ${file}: ${(err as Error).message}.`);
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }), plugins: [sqliteIntegers] });
  return { db, kind: 'sqlite', sqlite, close: () => db.destroy() };
}

async function openPostgres(url: string, poolSize: number): Promise<DbHandle> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5000 });
  pool.on('error', () => undefined); // idle-client errors surface on the next query instead
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    const e = err as NodeJS.ErrnoException;
    throw new AppError('DB_UNAVAILABLE', `Cannot reach PostgreSQL at ${redactUrl(url)} (${e.code ?? e.message}). Is it running, and are the host, port and credentials right?`);
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, kind: 'postgres', close: () => db.destroy() };
}

/** Applies every pending migration; returns the names applied. */
export async function migrate(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new AppError('MIGRATION_FAILED', `Migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Runs `fn` in the caller's transaction if there is one, else in a new one. */
export async function inTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Tx);
  return db.transaction().execute(fn);
}

export async function readSetting(db: Db, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

export async function writeSetting(db: Db, key: string, value: string): Promise<void> {
  await db
    .insertInto('settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

/** `select 1`, for health checks. */
export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
