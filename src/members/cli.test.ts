import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTillpoint } from '../platform/testing/cli';

describe('tillpoint members rotate-keys', () => {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-members-cli-'));
  afterAll(() => fs.rmSync(data, { recursive: true, force: true }));

  it('adds a new current key to the key file (0600), keeps the old one, and refuses env-managed keys', async () => {
    const first = await runTillpoint(['members', 'rotate-keys', '--data', data], { env: { TILLPOINT_PII_KEYS: '' } });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Re-sealed the personal data of 0 member(s)');
    const file = path.join(data, 'keys', 'pii.json');
    const ring = JSON.parse(fs.readFileSync(file, 'utf8')) as { current: string; keys: Record<string, string> };
    expect(Object.keys(ring.keys)).toHaveLength(2);
    expect(ring.current).not.toBe(Object.keys(ring.keys)[0]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const refused = await runTillpoint(['members', 'rotate-keys', '--data', data], { env: { TILLPOINT_PII_KEYS: fs.readFileSync(file, 'utf8') } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/come from TILLPOINT_PII_KEYS/);
  });
});
