// Members bench (issue 5 budgets): lookup by phone (blind index) and by member card among
// 1,000,000 members, p99 < 2 ms, beside a primary-key lookup on the same table; and what points
// accrual adds to a sale's completion (< 1 ms), beside the same sale without a member, same run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTillpoint } from '../src/app';
import { seedDemo } from '../src/cli/demo-seed';
import { loadConfig } from '../src/platform/config';
import { systemClock } from '../src/platform/clock';
import { createLogger } from '../src/platform/logging';
import { authenticate } from '../src/platform/auth/sessions';
import { newId } from '../src/platform/ids';
import type { Ctx } from '../src/platform/context';
import { catalogIndex } from '../src/catalog/index';
import { addSku, addTender, completeSale, createCart, scan } from '../src/checkout/service';
import { openShift } from '../src/checkout/shifts';
import { blindIndex, findMemberByPhone, generateKeyRing, makeMemberCardNo, memberIdByCode, memberKeysFrom, sealPii } from '../src/members/index';
import { machine } from './harness';

function percentiles(samplesMs: number[]): { p50Ms: number; p99Ms: number; maxMs: number } {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => Number((s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0).toFixed(4));
  return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
}

const phoneOf = (i: number) => `13${String(100_000_000 + i).slice(-9)}`;

export async function benchMembers(members = 1_000_000, lookups = 20_000, sales = 400) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-members-'));
  const keys = memberKeysFrom(generateKeyRing());
  const tp = await createTillpoint({ config: loadConfig({ data: dir, logLevel: 'silent' }, {}), clock: systemClock, log: createLogger('silent'), memberKeys: keys });
  try {
    const base: Ctx = { actor: null, db: tp.handle.db, clock: systemClock, nodeId: tp.nodeId, log: createLogger('silent') };
    await seedDemo(base, { products: 500 });
    const sqlite = tp.handle.sqlite;
    if (!sqlite) throw new Error('the members bench runs on SQLite');
    const store = (await base.db.selectFrom('stores').select('id').where('code', '=', 'S001').executeTakeFirstOrThrow()).id;
    // 1,000,000 members written in bulk (sealed phone, blind index, card number), as registration would.
    const t0 = performance.now();
    const insert = sqlite.prepare(
      `insert into members (id, card_no, phone_index, phone_sealed, name_sealed, birthday_sealed, tier_code, tier_since, points_balance, registered_store, consent_version, consent_sha256, consent_at, status, created_at, updated_at)
       values (?, ?, ?, ?, null, null, 'normal', ?, 0, ?, 'v1', 'bench', ?, 'active', ?, ?)`,
    );
    const now = new Date().toISOString();
    const ids: string[] = [];
    sqlite.transaction(() => {
      for (let i = 1; i <= members; i++) {
        const id = newId();
        if (i % 50 === 0) ids.push(id);
        insert.run(id, makeMemberCardNo(i), blindIndex(keys.ring, phoneOf(i)), sealPii(keys.ring, phoneOf(i)), now, store, now, now, now);
      }
    })();
    const loadSeconds = Number(((performance.now() - t0) / 1000).toFixed(1));

    const pin = await tp.app.inject({ method: 'POST', url: '/api/v1/auth/pin', payload: { storeCode: 'S001', terminalCode: 'T01', username: 'cashier', pin: '1234' } });
    const actor = await authenticate(base, tp.app.sessionPolicy, (pin.json() as { token: string }).token);
    const ctx: Ctx = { ...base, actor };
    const pick = (n: number) => 1 + ((n * 7919) % members);
    const time = async (fn: (n: number) => Promise<unknown>) => {
      for (let n = 0; n < 2_000; n++) await fn(n); // warm up
      const samples: number[] = [];
      for (let n = 0; n < lookups; n++) {
        const t = performance.now();
        if (!(await fn(n))) throw new Error(`lookup ${n} found nothing`);
        samples.push(performance.now() - t);
      }
      return percentiles(samples);
    };
    const byPhone = await time((n) => findMemberByPhone(ctx, actor, phoneOf(pick(n))));
    const byCard = await time((n) => memberIdByCode(ctx, makeMemberCardNo(pick(n))));
    const byId = await time((n) => base.db.selectFrom('members').selectAll().where('id', '=', ids[n % ids.length] ?? '').executeTakeFirst());

    // Sales with and without a member, alternating, so both see the same machine.
    await openShift(ctx, { floatFen: 0 });
    const skus = (await catalogIndex(ctx)).search('', 200).items.filter((s) => s.unit === 'piece' && s.components.length === 0);
    const withMember: number[] = [];
    const without: number[] = [];
    for (let i = 0; i < sales; i++) {
      for (const member of [true, false]) {
        const cart = await createCart(ctx);
        if (member) await scan(ctx, cart.id, { code: makeMemberCardNo(pick(i)) });
        for (let k = 0; k < 3; k++) await addSku(ctx, cart.id, { skuId: skus[(i * 3 + k) % skus.length]?.id ?? '' });
        await addTender(ctx, cart.id, { method: 'cash', amountFen: 1_000_000 });
        const t = performance.now();
        await completeSale(ctx, cart.id);
        (member ? withMember : without).push(performance.now() - t);
      }
    }
    const a = percentiles(withMember.slice(sales / 10));
    const b = percentiles(without.slice(sales / 10));
    return {
      subject: 'members',
      machine: machine(),
      members,
      loadSeconds,
      lookupByPhone: { name: 'findMemberByPhone (normalise, HMAC blind index, indexed select, unseal for the masked view)', ...byPhone },
      lookupByCard: { name: 'memberIdByCode (card number, indexed select)', ...byCard },
      baseline: { name: 'select a member by primary key', ...byId },
      saleWithMember: { name: 'sale completion with a member (points, tier check, message)', ...a },
      saleWithoutMember: { name: 'the same sale without a member (baseline)', ...b },
      accrualAddsP50Ms: Number((a.p50Ms - b.p50Ms).toFixed(3)),
      budgets: { lookupP99Ms: 2, accrualMs: 1 },
    };
  } finally {
    await tp.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
