import { randomFillSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isUuid, newId, uuidV7Generator } from './ids';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** The 48-bit millisecond timestamp at the front of a UUIDv7. */
const msOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
/** The 32-bit counter: 4 bits after the version, 8, 6 after the variant, 8, then the top 6 bits of the next byte. */
const seqOf = (id: string) => {
  const hex = id.replace(/-/g, '');
  const b = (k: number) => parseInt(hex.slice(k * 2, k * 2 + 2), 16);
  return (((b(6) & 0x0f) << 28) | (b(7) << 20) | ((b(8) & 0x3f) << 14) | (b(9) << 6) | (b(10) >>> 2)) >>> 0;
};

describe('newId', () => {
  it('makes version-7 UUIDs stamped with the current millisecond', () => {
    const before = Date.now();
    const id = newId();
    const after = Date.now();
    expect(id).toMatch(V7);
    expect(isUuid(id)).toBe(true);
    expect(msOf(id)).toBeGreaterThanOrEqual(before);
    expect(msOf(id)).toBeLessThanOrEqual(after);
  });

  it('makes 200,000 distinct ids that sort in the order they were made (across many random blocks)', () => {
    const ids = Array.from({ length: 200_000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    const outOfOrder = ids.filter((id, i) => i > 0 && !((ids[i - 1] as string) < id));
    expect(outOfOrder).toEqual([]);
  });

  it('counts up within a millisecond, and keeps order when the clock steps back', () => {
    let clock = 1_764_460_800_000; // 2025-11-30T00:00:00Z
    // Random bytes all 0xff: the counter starts at 0x7fffffff.
    const next = uuidV7Generator(() => clock, (block) => block.fill(0xff));
    const first = next();
    expect(msOf(first)).toBe(clock);
    expect(seqOf(first)).toBe(0x7fffffff);
    const second = next();
    expect(seqOf(second)).toBe(0x80000000);
    expect(second > first).toBe(true);
    clock -= 5_000; // an NTP step back
    const third = next();
    expect(msOf(third)).toBe(clock + 5_000);
    expect(third > second).toBe(true);
  });

  it('takes its random bits from the source, a block at a time', () => {
    let blocks = 0;
    const next = uuidV7Generator(
      () => 1_764_460_800_000,
      (block) => {
        blocks += 1;
        randomFillSync(block);
      },
    );
    const ids = Array.from({ length: 1_000 }, () => next());
    // 4 bytes for the first counter, then 6 per id: 6,004 bytes in two 4 KiB blocks.
    expect(blocks).toBe(2);
    // 42 random bits per id: the tails differ.
    expect(new Set(ids.map((id) => id.slice(-12))).size).toBe(1_000);
  });
});
