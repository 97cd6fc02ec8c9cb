// Test databases: a fresh SQLite file or a fresh PostgreSQL database per suite, so every
// repository and integration test runs on both dialects.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { migrate, openDatabase, type DbHandle } from '../db/index';

export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

/** Opens a new, empty, migrated database of `kind`; `close` drops it. */
export async function openTestDatabase(kind: Dialect): Promise<DbHandle> {
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-test-'));
    const handle = await openDatabase({ kind: 'sqlite', path: path.join(dir, 'test.db') });
    await migrate(handle.db);
    return {
      ...handle,
      close: async () => {
        await handle.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const adminUrl = inject('pgUrl');
  const name = `tp_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ kind: 'postgres', url: url.toString() }, { poolSize: 5 });
  await migrate(handle.db);
  return {
    ...handle,
    close: async () => {
      await handle.close();
      const again = new pg.Client({ connectionString: adminUrl });
      await again.connect();
      await again.query(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}

/**
 * Declares the same suite once per dialect, each with its own fresh database.
 *
 * @example describeEachDb('outbox', (db) => { it('…', async () => { await db().db.selectFrom(…) }) })
 */
export function describeEachDb(name: string, body: (handle: () => DbHandle, kind: Dialect) => void): void {
  for (const kind of DIALECTS) {
    describe(`${name} [${kind}]`, () => {
      let handle: DbHandle | undefined;
      beforeAll(async () => {
        handle = await openTestDatabase(kind);
      });
      afterAll(async () => {
        await handle?.close();
      });
      body(() => {
        if (!handle) throw new Error('test database not open yet');
        return handle;
      }, kind);
    });
  }
}
