import { describe, expect, it } from 'vitest';
import { AppError } from '../platform/errors';
import { assertDate, isoWeek, localHour, monthOf, previousPeriod, sameLastYear } from './periods';

describe('periods', () => {
  it('ISO weeks start on Monday; a Sunday closes its week', () => {
    expect(isoWeek('2026-11-29')).toEqual({ key: '2026-W48', from: '2026-11-23', to: '2026-11-29' });
    expect(isoWeek('2026-11-30').key).toBe('2026-W49');
  });

  it('the first days of January can belong to the last week of the year before, and late December to week 1', () => {
    expect(isoWeek('2027-01-01')).toEqual({ key: '2026-W53', from: '2026-12-28', to: '2027-01-03' });
    expect(isoWeek('2024-12-30').key).toBe('2025-W01');
  });

  it('months, previous periods and the same period last year (29 February maps to the 28th)', () => {
    expect(monthOf('2028-02-14')).toEqual({ key: '2028-02', from: '2028-02-01', to: '2028-02-29' });
    expect(previousPeriod('2026-11-01', '2026-11-30')).toEqual({ from: '2026-10-02', to: '2026-10-31' });
    expect(previousPeriod('2026-11-30', '2026-11-30')).toEqual({ from: '2026-11-29', to: '2026-11-29' });
    expect(sameLastYear('2028-02-01', '2028-02-29')).toEqual({ from: '2027-02-01', to: '2027-02-28' });
  });

  it('local hours in Shanghai, and refuses dates that do not exist', () => {
    expect(localHour('2026-11-29T19:50:00Z', 'Asia/Shanghai')).toBe('03');
    expect(localHour('2026-11-29T16:00:00Z', 'Asia/Shanghai')).toBe('00');
    expect(() => assertDate('2026-02-30', 'from')).toThrow(AppError);
    expect(assertDate('2028-02-29', 'from')).toBe('2028-02-29');
  });
});
