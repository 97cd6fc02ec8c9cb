import { describe, expect, it } from 'vitest';
import { DEFAULT_OFFLINE_POLICY as policy, judgeOffline } from './offline';

const at = (iso: string) => new Date(iso);

describe('judgeOffline', () => {
  it('online is ok whatever is queued; offline warns after 30 minutes and restricts after 24 hours', () => {
    expect(judgeOffline(policy, null, 10, at('2026-11-30T02:00:00Z'))).toMatchObject({ offline: false, level: 'ok' });
    expect(judgeOffline(policy, '2026-11-30T01:31:00Z', 0, at('2026-11-30T02:00:00Z'))).toMatchObject({ offline: true, level: 'ok' });
    expect(judgeOffline(policy, '2026-11-30T01:30:00Z', 0, at('2026-11-30T02:00:00Z'))).toMatchObject({ level: 'warn' });
    expect(judgeOffline(policy, '2026-11-29T02:00:00Z', 0, at('2026-11-30T02:00:00Z'))).toMatchObject({ level: 'restricted', reason: expect.stringContaining('24 h') });
  });

  it('restricts when more than ¥50,000 of sales are waiting for HQ, one fen over', () => {
    expect(judgeOffline(policy, '2026-11-30T01:59:00Z', 5_000_000, at('2026-11-30T02:00:00Z')).level).toBe('ok');
    expect(judgeOffline(policy, '2026-11-30T01:59:00Z', 5_000_001, at('2026-11-30T02:00:00Z')).level).toBe('restricted');
  });
});
