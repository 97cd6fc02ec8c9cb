import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { bundledWorker } from './worker-bundle';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A worker entry (TypeScript, importing another module and a CommonJS package) in a directory of its own. */
function project(): { entry: URL; dep: string; cache: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-bundle-'));
  dirs.push(dir);
  const dep = path.join(dir, 'dep.ts');
  fs.writeFileSync(dep, "export const answer: number = 41;\n");
  const entry = path.join(dir, 'entry.ts');
  // iconv-lite is CommonJS: the require it calls must work in the thread's ES module.
  const iconv = JSON.stringify(path.resolve('node_modules/iconv-lite'));
  fs.writeFileSync(entry, `import { parentPort } from 'node:worker_threads';\nimport iconv from ${iconv};\nimport { answer } from './dep';\nparentPort?.postMessage({ answer: answer + 1, gbk: iconv.decode(Buffer.from([0xd6, 0xd0]), 'gbk') });\n`);
  return { entry: pathToFileURL(entry), dep, cache: path.join(dir, 'cache') };
}

function run(file: string): Promise<{ answer: number; gbk: string }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(file);
    worker.once('message', (message) => {
      resolve(message);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

describe('bundledWorker', () => {
  it('bundles a TypeScript entry with its imports into one file a worker runs', async () => {
    const { entry, cache } = project();
    const file = bundledWorker(entry, cache);
    expect(path.dirname(file)).toBe(cache);
    expect(await run(file)).toEqual({ answer: 42, gbk: '中' });
  });

  it('keeps the bundle while its sources are unchanged and makes it again when one changes', async () => {
    const { entry, dep, cache } = project();
    const file = bundledWorker(entry, cache);
    const made = fs.statSync(file).mtimeMs;
    fs.utimesSync(file, new Date(made - 60_000), new Date(made - 60_000));
    const kept = fs.statSync(file).mtimeMs;
    expect(bundledWorker(entry, cache)).toBe(file);
    expect(fs.statSync(file).mtimeMs).toBe(kept);

    fs.writeFileSync(dep, 'export const answer: number = 99_999;\n');
    expect(bundledWorker(entry, cache)).toBe(file);
    expect(fs.statSync(file).mtimeMs).not.toBe(kept);
    expect((await run(file)).answer).toBe(100_000);
  });

  it('does not load code from a folder others can write in: it bundles into a private one instead', async () => {
    const { entry, cache } = project();
    fs.mkdirSync(cache);
    fs.chmodSync(cache, 0o777);
    const file = bundledWorker(entry, cache);
    expect(path.dirname(file)).not.toBe(cache);
    expect((fs.statSync(path.dirname(file)).mode & 0o077).toString(8)).toBe('0');
    expect(fs.readdirSync(cache)).toEqual([]);
    expect((await run(file)).answer).toBe(42);
    dirs.push(path.dirname(file));
  });

  it('makes a damaged bundle again', async () => {
    const { entry, cache } = project();
    const file = bundledWorker(entry, cache);
    fs.writeFileSync(file, 'half a bund');
    expect(bundledWorker(entry, cache)).toBe(file);
    expect((await run(file)).answer).toBe(42);
  });
});
