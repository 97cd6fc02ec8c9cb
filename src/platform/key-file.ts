// Secret files under the data folder (audit node key, personal-data keys): read if present, and
// made once, atomically, with mode 0600, so two processes starting at once share one secret.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from './errors';

/** The file's bytes, or null when it does not exist. `label` names it in errors. */
export function readSecretFile(file: string, label: string): Buffer | null {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw new AppError('KEY_UNREADABLE', `Cannot read the ${label} ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

/**
 * Writes `content` to `file` unless it exists already (then leaves it alone). `orElse` tells the
 * user what to do when the folder is not writable (e.g. set an environment variable instead).
 *
 * @example writeSecretFileOnce('data/keys/pii.json', formatKeyRing(generateKeyRing()), 'personal-data keys', 'set TILLPOINT_PII_KEYS')
 */
export function writeSecretFileOnce(file: string, content: Buffer | string, label: string, orElse: string): void {
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  let drafted = false;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(draft, content, { flag: 'wx', mode: 0o600 });
    drafted = true;
    // A hard link appears whole or not at all and refuses to replace a file, so two processes
    // starting at once both end up with the one secret that was linked first.
    fs.linkSync(draft, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new AppError('DATA_DIR_UNWRITABLE', `Cannot create the ${label} ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}). Choose another --data DIR or ${orElse}.`);
    }
  } finally {
    if (drafted) fs.rmSync(draft, { force: true });
  }
}

/** Replaces a secret file whole (a rotation): written beside it with mode 0600, then renamed over it. */
export function replaceSecretFile(file: string, content: string, label: string): void {
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(draft, content, { flag: 'wx', mode: 0o600 });
    fs.renameSync(draft, file);
  } catch (err) {
    fs.rmSync(draft, { force: true });
    throw new AppError('DATA_DIR_UNWRITABLE', `Cannot write the ${label} ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}
