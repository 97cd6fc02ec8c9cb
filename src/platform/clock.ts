// The clock every service reads; tests inject a manual one instead of sleeping on wall time.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface ManualClock extends Clock {
  set(instant: Date | string): void;
  advance(ms: number): void;
}

/**
 * A clock that moves only when told to.
 *
 * @example const clock = manualClock('2026-11-30T02:00:00Z'); clock.advance(60_000);
 */
export function manualClock(start: Date | string): ManualClock {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    set: (instant) => {
      current = new Date(instant).getTime();
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

/** ISO-8601 UTC text, the form every timestamp column holds. */
export function isoNow(clock: Clock): string {
  return clock.now().toISOString();
}
