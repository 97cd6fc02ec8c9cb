// Counts failed attempts per key in a sliding window; past the limit, callers answer 429.
import type { Clock } from '../clock';

export interface RateLimiter {
  /** Milliseconds until `key` may try again, or 0 when it may try now. */
  retryAfterMs(key: string): number;
  recordFailure(key: string): void;
  reset(key: string): void;
}

/**
 * `max` may depend on the key, e.g. a looser limit per address than per username.
 *
 * @example const limiter = createRateLimiter(clock, { max: 5, windowMs: 15 * 60_000 });
 */
export function createRateLimiter(clock: Clock, options: { max: number | ((key: string) => number); windowMs: number }): RateLimiter {
  const maxFor = (key: string) => (typeof options.max === 'number' ? options.max : options.max(key));
  const failures = new Map<string, number[]>();
  const recent = (key: string): number[] => {
    const since = clock.now().getTime() - options.windowMs;
    const kept = (failures.get(key) ?? []).filter((t) => t > since);
    if (kept.length === 0) failures.delete(key);
    else failures.set(key, kept);
    return kept;
  };
  return {
    retryAfterMs(key) {
      const kept = recent(key);
      const max = maxFor(key);
      if (kept.length < max) return 0;
      const oldest = kept[kept.length - max] ?? 0;
      return Math.max(1, oldest + options.windowMs - clock.now().getTime());
    },
    recordFailure(key) {
      failures.set(key, [...recent(key), clock.now().getTime()]);
    },
    reset(key) {
      failures.delete(key);
    },
  };
}
