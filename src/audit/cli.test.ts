// `tillpoint audit verify` as an operator runs it: exit 0 on an intact chain, else non-zero
// with one line naming the first bad record.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTillpoint } from '../platform/testing/cli';
import { migrate, openDatabase, type DbHandle } from '../platform/db/index';
import { ensureNodeId } from '../platform/node';
import { manualClock } from '../platform/clock';
import { createLogger } from '../platform/logging';
import { auditHash, GENESIS_HASH } from './chain';
import { ensureAuditKey } from './node-key';
import { appendAuditMany, configureAuditNode } from './service';

describe('tillpoint audit verify', () => {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-audit-cli-'));
  let handle: DbHandle;

  beforeAll(async () => {
    handle = await openDatabase({ kind: 'sqlite', path: path.join(data, 'tillpoint.db') });
    await migrate(handle.db);
    const nodeId = await ensureNodeId(handle.db);
    configureAuditNode(nodeId, { key: ensureAuditKey({ dataDir: data, env: {} }), checkpointEvery: 10 });
    const ctx = { actor: null, db: handle.db, clock: manualClock('2026-11-30T02:00:00Z'), nodeId, log: createLogger('silent') };
    await handle.db.transaction().execute((tx) => appendAuditMany({ ...ctx, db: tx }, Array.from({ length: 25 }, (_, i) => ({ action: 'sale.completed', docType: 'sale', docId: `s${i + 1}`, data: { totalFen: (i + 1) * 100 } }))));
  });
  afterAll(async () => {
    await handle.close();
    fs.rmSync(data, { recursive: true, force: true });
  });

  const verify = (...extra: string[]) => runTillpoint(['audit', 'verify', '--data', data, ...extra], { env: { TILLPOINT_AUDIT_KEY: '', TILLPOINT_DB: '' } });

  it('exits 0 on an intact chain, and 1 naming a record whose data changed by one byte', async () => {
    const intact = await verify();
    expect(intact).toMatchObject({ code: 0, stderr: '' });
    expect(intact.stdout).toMatch(/^Audit chain intact: 25 records, 2 signed checkpoints\.$/m);
    expect(fs.statSync(path.join(data, 'keys', 'audit-node.key')).mode & 0o777).toBe(0o600);

    await handle.db.updateTable('audit_log').set({ data: '{"totalFen":2101}' }).where('seq', '=', 21).execute();
    const edited = await verify();
    expect(edited.code).toBe(1);
    expect(edited.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^tillpoint: Audit chain broken at node \S+ record 21: its content does not match its hash \(edited\)\.$/)]);
    await handle.db.updateTable('audit_log').set({ data: '{"totalFen":2100}' }).where('seq', '=', 21).execute();
    expect(await verify()).toMatchObject({ code: 0 });
  });

  it('names the signed checkpoint that a recomputed chain no longer matches, and fails without the key', async () => {
    // Edit record 4 and recompute every hash after it, so the chain alone looks intact.
    const rows = await handle.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
    let prev = GENESIS_HASH;
    for (const r of rows) {
      const data = r.seq === 4 ? '{"totalFen":1}' : r.data;
      const hash = auditHash(prev, { nodeId: r.node_id, seq: r.seq, id: r.id, at: r.at, actorId: r.actor_id, action: r.action, docType: r.doc_type, docId: r.doc_id, storeRef: r.store_ref, data: JSON.parse(data) });
      await handle.db.updateTable('audit_log').set({ data, prev_hash: prev, hash }).where('seq', '=', r.seq).execute();
      prev = hash;
    }
    const broken = await verify();
    expect(broken.code).toBe(1);
    expect(broken.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^tillpoint: Audit chain broken at node \S+ record 10: its hash differs from the one signed in checkpoint 10: the chain was rewritten at or before it\.$/)]);
    const json = await verify('--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ records: 25, checkpoints: 2, intact: false, firstBad: { seq: 10 } });

    // With the key gone the checkpoints vouch for nothing, and verify does not make a new key.
    fs.rmSync(path.join(data, 'keys', 'audit-node.key'));
    const keyless = await verify();
    expect(keyless.code).toBe(1);
    expect(keyless.stderr).toMatch(/record 10: checkpoint 10 cannot be checked: no audit key for this node/);
    expect(fs.existsSync(path.join(data, 'keys', 'audit-node.key'))).toBe(false);
  });
});
