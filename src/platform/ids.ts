// Record ids: UUIDv7, made by the node that creates the record (time-ordered, no coordination).
import { randomFillSync } from 'node:crypto';

/** Random bytes are drawn from the OS this many at a time and cut into ids (one system call per ~400 ids, not one per id). */
const RANDOM_BLOCK = 4096;
const HEX = Array.from({ length: 256 }, (_x, b) => b.toString(16).padStart(2, '0'));

/**
 * A UUIDv7 generator (RFC 9562 §5.7, with the 32-bit counter of §6.2 method 1 as the `uuid`
 * package lays it out): 48-bit Unix milliseconds, then a counter seeded with 31 random bits at
 * each new millisecond and incremented within one (so ids made in the same millisecond still sort
 * in creation order; when it wraps, or the clock steps back, the time is carried forward), then 42
 * random bits. `now` and `fill` are the clock and the random source (crypto in `newId`).
 *
 * @example const next = uuidV7Generator(() => Date.now(), randomFillSync); next() // '019ad3c5-…'
 */
export function uuidV7Generator(now: () => number, fill: (block: Uint8Array) => void): () => string {
  const random = new Uint8Array(RANDOM_BLOCK);
  let at = RANDOM_BLOCK;
  let msecs = -Infinity;
  let seq = 0;
  const take = (n: number): number => {
    if (at + n > RANDOM_BLOCK) {
      fill(random);
      at = 0;
    }
    const from = at;
    at += n;
    return from;
  };
  return () => {
    const t = now();
    if (t > msecs) {
      const r = take(4);
      seq = (((random[r] as number) & 0x7f) << 24) | ((random[r + 1] as number) << 16) | ((random[r + 2] as number) << 8) | (random[r + 3] as number);
      msecs = t;
    } else {
      seq = (seq + 1) | 0;
      if (seq === 0) msecs += 1;
    }
    const r = take(6);
    const h = HEX;
    return (
      `${h[(msecs / 0x10000000000) & 0xff]}${h[(msecs / 0x100000000) & 0xff]}${h[(msecs / 0x1000000) & 0xff]}${h[(msecs / 0x10000) & 0xff]}-` +
      `${h[(msecs / 0x100) & 0xff]}${h[msecs & 0xff]}-` +
      `${h[0x70 | ((seq >>> 28) & 0x0f)]}${h[(seq >>> 20) & 0xff]}-` +
      `${h[0x80 | ((seq >>> 14) & 0x3f)]}${h[(seq >>> 6) & 0xff]}-` +
      `${h[((seq << 2) & 0xff) | ((random[r] as number) & 0x03)]}${h[random[r + 1] as number]}${h[random[r + 2] as number]}${h[random[r + 3] as number]}${h[random[r + 4] as number]}${h[random[r + 5] as number]}`
    );
  };
}

/** A new UUIDv7, e.g. `0193a1b2-…`. */
export const newId: () => string = uuidV7Generator(() => Date.now(), (block) => randomFillSync(block));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
