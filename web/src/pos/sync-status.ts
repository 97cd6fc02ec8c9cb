// What the till's header says about sync on a store node — a coloured dot, when it last synced,
// how many documents wait and since when — worked out from GET /sync/status (pure).
import { businessDate } from '../../../src/platform/business-date';
import type { SyncStatus } from '../../../src/sync/index';

/** The status as the server answers it: a store node's in full, other nodes' with their role only. */
export type SyncStatusAnswer = SyncStatus | { role: 'all' | 'hq'; queuedEvents: number; posture?: undefined };

/** green: HQ answered the last call; orange: not (yet), or past the warning limit; red: restricted. */
export type SyncLevel = 'online' | 'warn' | 'restricted';

/** When the last sync was: never, under a minute ago, minutes ago (under an hour), else a clock time. */
export type LastSync = { kind: 'never' } | { kind: 'justNow' } | { kind: 'minutesAgo'; minutes: number } | { kind: 'at'; time: string };

export interface SyncIndicator {
  level: SyncLevel;
  lastSync: LastSync;
  /** The last sync as local time ("HH:mm", with "MM-DD" when not today), for the details. */
  lastSyncClock: string | null;
  queued: number;
  /** The oldest document not yet at HQ, as local time ("HH:mm", with "MM-DD" when not today). */
  oldestUnsynced: string | null;
}

const clocks = new Map<string, Intl.DateTimeFormat>();

/**
 * An instant as the store's clock shows it: "HH:mm" when it is the same local day as `now`,
 * else "MM-DD HH:mm".
 *
 * @example localClock('2026-11-30T06:05:00Z', new Date('2026-11-30T08:00:00Z'), 'Asia/Shanghai') // '14:05'
 */
export function localClock(iso: string, now: Date, timeZone: string): string {
  let clock = clocks.get(timeZone);
  if (!clock) {
    clock = new Intl.DateTimeFormat('en-GB', { timeZone, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    clocks.set(timeZone, clock);
  }
  const parts = Object.fromEntries(clock.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  const time = `${parts.hour}:${parts.minute}`;
  return businessDate(new Date(iso), timeZone) === businessDate(now, timeZone) ? time : `${parts.month}-${parts.day} ${time}`;
}

/**
 * The header's sync status at `now` for a store in `timeZone`; null on the all-in-one node and
 * HQ (they have nothing to sync). The last sync is the later of the last push and the last pull
 * (each is recorded only when HQ accepted it).
 *
 * @example syncIndicator(status, new Date(), 'Asia/Shanghai')?.level // 'online'
 */
export function syncIndicator(status: SyncStatusAnswer, now: Date, timeZone: string): SyncIndicator | null {
  if (status.role !== 'store') return null;
  const level: SyncLevel = status.posture.level === 'restricted' ? 'restricted' : status.hqReachable === true && status.posture.level === 'ok' ? 'online' : 'warn';
  const last = [status.lastPushAt, status.lastPullAt].filter((t): t is string => t !== null).sort().at(-1);
  let lastSync: LastSync = { kind: 'never' };
  if (last) {
    const minutes = Math.max(0, Math.floor((now.getTime() - Date.parse(last)) / 60_000));
    lastSync = minutes < 1 ? { kind: 'justNow' } : minutes < 60 ? { kind: 'minutesAgo', minutes } : { kind: 'at', time: localClock(last, now, timeZone) };
  }
  return {
    level,
    lastSync,
    lastSyncClock: last ? localClock(last, now, timeZone) : null,
    queued: status.queuedEvents,
    oldestUnsynced: status.oldestUnsyncedAt ? localClock(status.oldestUnsyncedAt, now, timeZone) : null,
  };
}
