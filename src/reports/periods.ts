// Calendar arithmetic on business dates (YYYY-MM-DD): ISO weeks (Monday first), months, the
// previous period and the same period last year. Pure; dates are calendar days, not instants.
import { AppError } from '../platform/errors';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

function toUtc(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

function fromUtc(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Throws 400 unless `text` is a real calendar date `YYYY-MM-DD`. */
export function assertDate(text: string, field: string): string {
  const m = DATE.exec(text);
  if (!m || fromUtc(toUtc(text)) !== text) {
    throw new AppError('VALIDATION_FAILED', `${field} "${text}" is not a date like 2026-11-30.`, { details: { field } });
  }
  return text;
}

/** @example addDays('2026-12-31', 1) // '2027-01-01' */
export function addDays(date: string, days: number): string {
  return fromUtc(new Date(toUtc(date).getTime() + days * DAY_MS));
}

/** Days from `from` to `to`, both included. @example dayCount('2026-11-01', '2026-11-30') // 30 */
export function dayCount(from: string, to: string): number {
  return Math.round((toUtc(to).getTime() - toUtc(from).getTime()) / DAY_MS) + 1;
}

/** Every date from `from` to `to`, both included. */
export function datesBetween(from: string, to: string): string[] {
  return Array.from({ length: Math.max(0, dayCount(from, to)) }, (_, i) => addDays(from, i));
}

export interface Bucket {
  key: string;
  from: string;
  to: string;
}

/**
 * The ISO week a date falls in (weeks start on Monday; week 1 holds the year's first Thursday).
 *
 * @example isoWeek('2026-11-29') // { key: '2026-W48', from: '2026-11-23', to: '2026-11-29' } (a Sunday)
 */
export function isoWeek(date: string): Bucket {
  const d = toUtc(date);
  const weekday = (d.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const monday = addDays(date, -weekday);
  const thursday = toUtc(addDays(monday, 3));
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return { key: `${year}-W${String(week).padStart(2, '0')}`, from: monday, to: addDays(monday, 6) };
}

/** @example monthOf('2026-02-14') // { key: '2026-02', from: '2026-02-01', to: '2026-02-28' } */
export function monthOf(date: string): Bucket {
  const d = toUtc(date);
  const first = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0));
  return { key: date.slice(0, 7), from: fromUtc(first), to: fromUtc(last) };
}

/** The period of the same length just before. @example previousPeriod('2026-11-01', '2026-11-30') // 2026-10-02 … 2026-10-31 */
export function previousPeriod(from: string, to: string): { from: string; to: string } {
  const days = dayCount(from, to);
  return { from: addDays(from, -days), to: addDays(from, -1) };
}

function yearEarlier(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  // 29 February has no twin: it maps to the 28th.
  const last = new Date(Date.UTC(y - 1, m, 0)).getUTCDate();
  return `${y - 1}-${String(m).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** The same dates a year earlier. @example sameLastYear('2028-02-01', '2028-02-29') // 2027-02-01 … 2027-02-28 */
export function sameLastYear(from: string, to: string): { from: string; to: string } {
  return { from: yearEarlier(from), to: yearEarlier(to) };
}

const hourFormatters = new Map<string, Intl.DateTimeFormat>();

/** The local hour '00'–'23' of an ISO instant in `timeZone`. @example localHour('2026-11-30T02:15:00Z', 'Asia/Shanghai') // '10' */
export function localHour(instant: string, timeZone: string): string {
  let f = hourFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' });
    hourFormatters.set(timeZone, f);
  }
  return f.format(new Date(instant)).padStart(2, '0');
}
