import { describe, expect, it } from 'vitest';
import { businessDate } from './business-date';

describe('businessDate', () => {
  it('uses the store time zone, not UTC', () => {
    // 2026-11-30 17:30 UTC is 2026-12-01 01:30 in Shanghai.
    expect(businessDate(new Date('2026-11-30T17:30:00Z'))).toBe('2026-12-01');
    expect(businessDate(new Date('2026-11-30T15:59:59Z'))).toBe('2026-11-30');
  });

  it('counts sales before the cutover to the previous business day', () => {
    // 01:30 Shanghai with a 04:00 cutover still belongs to 30 November.
    expect(businessDate(new Date('2026-11-30T17:30:00Z'), 'Asia/Shanghai', '04:00')).toBe('2026-11-30');
    // 04:00 exactly opens the new day.
    expect(businessDate(new Date('2026-11-30T20:00:00Z'), 'Asia/Shanghai', '04:00')).toBe('2026-12-01');
  });

  it('works in other zones and says which input is wrong', () => {
    expect(businessDate(new Date('2026-11-30T23:30:00Z'), 'Asia/Urumqi')).toBe('2026-12-01');
    expect(() => businessDate(new Date(), 'Mars/Base')).toThrow(/Unknown time zone "Mars\/Base"/);
    expect(() => businessDate(new Date(), 'Asia/Shanghai', '25:00')).toThrow(/cutover "25:00"/);
  });
});
