// A seeded pseudo-random generator for demo data and fault injection: the same seed, the same run.

/**
 * mulberry32: a small, fast 32-bit generator of numbers in [0, 1).
 *
 * @example const random = mulberry32(7); random() // 0.58…, the same every time
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
