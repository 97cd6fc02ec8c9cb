// Shared bench helpers: run autocannon against a URL and summarise it; print one JSON document.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import pg from 'pg';
import { openDatabase, type DbHandle } from '../src/platform/db/index';

export interface HttpFigures {
  name: string;
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  durationS: number;

  /** A request sequence each connection runs in a loop, with its own context. */
  requests?: autocannon.Request[];
}

export async function loadTest(name: string, options: LoadOptions): Promise<HttpFigures> {
  const result = await autocannon({
    url: options.url,
    headers: options.headers,
    connections: options.connections,
    duration: options.durationS,
    requests: options.requests,
  });
  return {
    name,
    requests: result.requests.total,
    reqPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

export function machine() {
  return { cpus: os.cpus().length, node: process.version, platform: `${os.platform()}-${os.arch()}` };
}

export function printJson(doc: unknown): void {
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
}

/**
 * An open-loop load at an even pace: `clients` each send a request every `intervalMs`, their
 * schedules staggered evenly, whatever the answers' timing (so slow answers cannot hide load, and
 * the clients do not fire in bursts). Each request is timed from its send to its last byte.
 */
export async function pacedLoad(
  name: string,
  options: { clients: number; intervalMs: number; durationMs: number; request: (client: number, n: number) => Promise<number> },
): Promise<{ name: string; offeredPerSec: number; requests: number; errors: number; p50Ms: number; p99Ms: number; maxMs: number }> {
  const samples: number[] = [];
  let errors = 0;
  const start = performance.now() + 50;
  const sends: Array<Promise<void>> = [];
  await Promise.all(
    Array.from({ length: options.clients }, async (_x, client) => {
      const offset = (client * options.intervalMs) / options.clients;
      for (let n = 0; ; n++) {
        const due = start + offset + n * options.intervalMs;
        if (due - start >= options.durationMs) break;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const sent = performance.now();
        sends.push(
          options.request(client, n).then(
            (status) => {
              samples.push(performance.now() - sent);
              if (status < 200 || status >= 300) errors++;
            },
            () => {
              errors++;
            },
          ),
        );
      }
    }),
  );
  await Promise.all(sends);
  const sorted = samples.sort((a, b) => a - b);
  const at = (q: number) => Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(2));
  return { name, offeredPerSec: Math.round((options.clients * 1000) / options.intervalMs), requests: samples.length, errors, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
}

/**
 * Runs `fn` on a fresh database of the PostgreSQL server named by TILLPOINT_BENCH_PG (dropped
 * after), or returns undefined when none is named. `fn` also gets the database's URL (for a
 * server started in another process).
 *
 * @example const pg = await onBenchPostgres('tp_bench_sync', (handle) => drainTo(handle, n))
 */
export async function onBenchPostgres<T>(prefix: string, fn: (handle: DbHandle, url: string) => Promise<T>): Promise<T | undefined> {
  const pgUrl = process.env.TILLPOINT_BENCH_PG;
  if (!pgUrl) return undefined;
  const name = `${prefix}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ kind: 'postgres', url: url.toString() });
  try {
    return await fn(handle, url.toString());
  } finally {
    await handle.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}
