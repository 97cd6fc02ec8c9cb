// Shared bench helpers: run autocannon against a URL and summarise it; print one JSON document.
import os from 'node:os';
import autocannon from 'autocannon';

export interface HttpFigures {
  name: string;
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

export async function loadTest(name: string, options: { url: string; headers?: Record<string, string>; connections: number; durationS: number }): Promise<HttpFigures> {
  const result = await autocannon({ url: options.url, headers: options.headers, connections: options.connections, duration: options.durationS });
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
