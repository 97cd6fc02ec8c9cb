// Builds the web app when its output is missing or older than its sources.
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const WEB_SRC = path.join(ROOT, 'web');
export const WEB_DIST = path.join(ROOT, 'dist', 'web');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

export function webIsStale(): boolean {
  const index = path.join(WEB_DIST, 'index.html');
  if (!fs.existsSync(index)) return true;
  return newestMtime(WEB_SRC) > fs.statSync(index).mtimeMs;
}

/** Runs `vite build` in this process when needed; returns the folder to serve. */
export async function ensureWebBuilt(log: (line: string) => void = () => undefined): Promise<string> {
  if (webIsStale()) {
    log('Building the web app (first start or changed sources)…');
    const { build } = await import('vite');
    await build({ configFile: path.join(WEB_SRC, 'vite.config.ts'), logLevel: 'warn' });
  }
  return WEB_DIST;
}
