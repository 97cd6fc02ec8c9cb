// The business date (营业日) of an instant: the store's local calendar date after its day cutover.
import { AppError } from './errors';

const CUTOVER = /^([01]\d|2[0-3]):([0-5]\d)$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      throw new AppError('VALIDATION_FAILED', `Unknown time zone "${timeZone}". Use an IANA name such as Asia/Shanghai.`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** Minutes after local midnight at which the business day turns ("04:00" → 240). */
export function parseCutover(cutover: string): number {
  const m = CUTOVER.exec(cutover);
  if (!m) throw new AppError('VALIDATION_FAILED', `Day cutover "${cutover}" must be HH:MM, e.g. 04:00.`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * The business date `YYYY-MM-DD` of `instant` for a store in `timeZone` whose day turns at
 * `cutover` local time. A sale at 02:30 with cutover 04:00 belongs to the previous day.
 * (Shifting the instant by the cutover is exact for zones without daylight saving, such as
 * China's; elsewhere it can be off by the DST hour on the two change nights.)
 *
 * @example businessDate(new Date('2026-11-30T17:30:00Z'), 'Asia/Shanghai', '04:00') // '2026-11-30'
 */
export function businessDate(instant: Date, timeZone = 'Asia/Shanghai', cutover = '00:00'): string {
  const shifted = new Date(instant.getTime() - parseCutover(cutover) * 60_000);
  return formatterFor(timeZone).format(shifted);
}
