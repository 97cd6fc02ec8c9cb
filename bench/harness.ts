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

export interface LoadOptions {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  durationS: number;
  /** Requests per second over all connections (tills scanning at their own moments); none = as fast as answers come. */
  overallRate?: number;
  /** A request sequence each connection runs in a loop, with its own context. */
  requests?: autocannon.Request[];
}

export async function loadTest(name: string, options: LoadOptions): Promise<HttpFigures & { overallRate: number | null }> {
  const result = await autocannon({
    url: options.url,
    headers: options.headers,
    connections: options.connections,
    duration: options.durationS,
    overallRate: options.overallRate,
    // Paced runs measure each request's own latency; autocannon's timer does not pace evenly
    // enough for its coordinated-omission correction to mean anything at this rate (it put
    // /healthz at a 29 ms p99).
    ignoreCoordinatedOmission: options.overallRate !== undefined,
    requests: options.requests,
  });
  return {
    name,
    overallRate: options.overallRate ?? null,
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
