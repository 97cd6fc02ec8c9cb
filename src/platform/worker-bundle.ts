// A worker thread's entry as one JavaScript file: the TypeScript module and everything it imports,
// bundled by esbuild (the compiler tsx itself runs on) into the machine's temporary directory, and
// bundled again when one of those files changes. A thread started from it is ready in ~50 ms,
// where loading each source through tsx took ~180 ms (and ~250 ms of processor time, on a
// machine with two).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

/** The bundle's first line: `// inputs: {"/abs/path": [mtimeMs, size], …}`. */
const INPUTS = '// inputs: ';
/** A bundled CommonJS package calls `require`, which an ES module has not: it is made here. */
const REQUIRE = "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);";

type Inputs = Record<string, [number, number]>;

/**
 * The path of `entry` (a module's URL) bundled with all it imports, made or remade as needed.
 *
 * @example new Worker(bundledWorker(new URL(import.meta.url)), { workerData })
 */
export function bundledWorker(entry: URL, directory = path.join(os.tmpdir(), `tillpoint-workers-${os.userInfo().uid}`)): string {
  const source = fileURLToPath(entry);
  const name = `${path.basename(source).replace(/\.[cm]?[jt]s$/, '')}-${crypto.createHash('sha256').update(source).digest('hex').slice(0, 12)}.mjs`;
  const folder = ownFolder(directory);
  const bundle = path.join(folder, name);
  if (isFresh(bundle)) return bundle;

  const built = buildSync({ entryPoints: [source], bundle: true, platform: 'node', format: 'esm', target: 'node20', write: false, metafile: true, absWorkingDir: path.dirname(source), banner: { js: REQUIRE }, logLevel: 'silent' });
  const inputs: Inputs = {};
  for (const input of Object.keys(built.metafile.inputs)) {
    const file = path.resolve(path.dirname(source), input);
    const { mtimeMs, size } = fs.statSync(file);
    inputs[file] = [mtimeMs, size];
  }
  const code = built.outputFiles[0]?.text ?? '';
  // Written aside and renamed: a process starting the same worker meanwhile sees the old bundle or the new, never half of one.
  const partial = `${bundle}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(partial, `${INPUTS}${JSON.stringify(inputs)}\n${code}`);
  fs.renameSync(partial, bundle);
  return bundle;
}

/**
 * `directory`, made if need be, when only this user can write in it (code is loaded from it: in a
 * shared temporary directory, a folder another user made first, or a link, must not be used);
 * else a new private folder for this process.
 */
function ownFolder(directory: string): string {
  fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(directory);
  const uid = process.getuid?.();
  if (stat.isDirectory() && (uid === undefined || stat.uid === uid) && (stat.mode & 0o022) === 0) return directory;
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tillpoint-workers-'));
}

/** The bundle exists and every file it was made of is as it was then. */
function isFresh(bundle: string): boolean {
  let head: string;
  try {
    const fd = fs.openSync(bundle, 'r');
    try {
      const buffer = Buffer.alloc(64 * 1024);
      head = buffer.toString('utf8', 0, fs.readSync(fd, buffer, 0, buffer.length, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
  const end = head.indexOf('\n');
  if (!head.startsWith(INPUTS) || end < 0) return false;
  let inputs: Inputs;
  try {
    inputs = JSON.parse(head.slice(INPUTS.length, end)) as Inputs;
  } catch {
    return false;
  }
  return Object.entries(inputs).every(([file, [mtimeMs, size]]) => {
    try {
      const stat = fs.statSync(file);
      return stat.mtimeMs === mtimeMs && stat.size === size;
    } catch {
      return false;
    }
  });
}
