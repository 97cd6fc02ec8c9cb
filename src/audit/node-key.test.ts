import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditKeyFile, ensureAuditKey, loadAuditKey } from './node-key';

describe('audit node key', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-audit-key-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is made once on first start (32 bytes, mode 0600) and read back after', () => {
    expect(loadAuditKey({ dataDir: dir, env: {} })).toBeNull();
    const key = ensureAuditKey({ dataDir: dir, env: {} });
    expect(key).toHaveLength(32);
    expect(fs.statSync(auditKeyFile(dir)).mode & 0o777).toBe(0o600);
    expect(ensureAuditKey({ dataDir: dir, env: {} }).equals(key)).toBe(true);
    expect(loadAuditKey({ dataDir: dir, env: {} })?.equals(key)).toBe(true);
    expect(fs.readdirSync(path.dirname(auditKeyFile(dir)))).toEqual(['audit-node.key']);
  });

  it('takes TILLPOINT_AUDIT_KEY (base64) over the file, and refuses a short or garbled one', () => {
    const key = Buffer.alloc(32, 3);
    expect(loadAuditKey({ dataDir: dir, env: { TILLPOINT_AUDIT_KEY: key.toString('base64') } })?.equals(key)).toBe(true);
    expect(() => loadAuditKey({ dataDir: dir, env: { TILLPOINT_AUDIT_KEY: Buffer.alloc(16).toString('base64') } })).toThrow(/must be base64 of at least 32 bytes/);
    expect(() => loadAuditKey({ dataDir: dir, env: { TILLPOINT_AUDIT_KEY: 'not base64!' } })).toThrow(/must be base64/);
  });

  it('says a damaged key file is damaged, and an unwritable folder is unwritable', () => {
    const other = path.join(dir, 'damaged');
    fs.mkdirSync(path.join(other, 'keys'), { recursive: true });
    fs.writeFileSync(auditKeyFile(other), 'short');
    expect(() => loadAuditKey({ dataDir: other, env: {} })).toThrow(/is 5 bytes, not 32: it is damaged/);
    expect(() => ensureAuditKey({ dataDir: '/proc/version/nope', env: {} })).toThrow(/Cannot create the audit key .* --data DIR or set TILLPOINT_AUDIT_KEY/);
  });
});
