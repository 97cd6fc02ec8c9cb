// On a store node, the till's sync status: a small badge in the header at all times (a dot, the
// last sync, the queue; the oldest unsynced document on hover or click), and a banner when HQ is
// out of reach: selling goes on, but past the limits points payments and returns wait
// (platform/offline.ts). Silent on the all-in-one node.
import { useEffect, useState } from 'react';
import { Alert, Popover, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { syncIndicator, type LastSync, type SyncLevel, type SyncStatusAnswer } from './sync-status';

const POLL_MS = 30_000;
const DOT: Record<SyncLevel, string> = { online: '#52c41a', warn: '#fa8c16', restricted: '#f5222d' };

/** The node's sync status and the store's time zone (to show times as the store's clock does). */
export interface SyncState {
  status: SyncStatusAnswer;
  timeZone: string;
}

/** Polls GET /sync/status every 30 s; null until the first answer (or when it fails). */
export function useSyncStatus(): SyncState | null {
  const [status, setStatus] = useState<SyncStatusAnswer | null>(null);
  const [timeZone, setTimeZone] = useState('Asia/Shanghai');
  useEffect(() => {
    const load = () =>
      void api<SyncStatusAnswer>('GET', '/sync/status')
        .then(setStatus)
        .catch(() => setStatus(null));
    load();
    const timer = setInterval(load, POLL_MS);
    return () => clearInterval(timer);
  }, []);
  const storeCode = status?.role === 'store' ? status.storeCode : undefined;
  useEffect(() => {
    if (!storeCode) return;
    api<{ timeZone: string }>('GET', `/stores/${encodeURIComponent(storeCode)}`).then(
      (store) => setTimeZone(store.timeZone),
      () => undefined,
    );
  }, [storeCode]);
  return status ? { status, timeZone } : null;
}

/** The header's badge: dot, last sync, queue; details on hover or click. Nothing unless a store node. */
export function SyncStatusBadge({ sync }: { sync: SyncState | null }) {
  const { t } = useTranslation();
  const view = sync ? syncIndicator(sync.status, new Date(), sync.timeZone) : null;
  if (!view) return null;
  const lastText = (last: LastSync) =>
    last.kind === 'never' ? t('sync.never') : t('sync.synced', { when: last.kind === 'minutesAgo' ? t('sync.minutesAgo', { minutes: last.minutes }) : last.kind === 'at' ? last.time : t('sync.justNow') });
  const details = (
    <div data-testid="sync-status-details" style={{ maxWidth: 320 }}>
      <Typography.Text strong>{t(`sync.level.${view.level}`)}</Typography.Text>
      <div>{t('sync.lastSyncAt', { time: view.lastSyncClock ?? '—' })}</div>
      <div data-testid="sync-oldest">{view.oldestUnsynced ? t('sync.oldest', { time: view.oldestUnsynced, count: view.queued }) : t('sync.nothingQueued')}</div>
    </div>
  );
  return (
    <Popover content={details} trigger={['hover', 'click']} placement="bottomRight">
      <span
        data-testid="sync-status"
        data-level={view.level}
        role="status"
        style={{ display: 'inline-flex', alignItems: 'center', gap: 6, padding: '0 10px', lineHeight: '24px', borderRadius: 12, background: 'rgba(255,255,255,0.92)', fontSize: 13, cursor: 'pointer' }}
      >
        <span aria-label={t(`sync.level.${view.level}`)} style={{ width: 8, height: 8, borderRadius: '50%', background: DOT[view.level] }} />
        <span data-testid="sync-last">{lastText(view.lastSync)}</span>
        <span data-testid="sync-queued">{t('sync.queued', { count: view.queued })}</span>
      </span>
    </Popover>
  );
}

/** The offline banner under the header, only while HQ is out of reach. */
export function SyncBanner({ sync }: { sync: SyncState | null }) {
  const { t } = useTranslation();
  const posture = sync?.status.posture;
  if (!posture?.offline) return null;
  const minutes = posture.offlineSince ? Math.max(0, Math.floor((Date.now() - Date.parse(posture.offlineSince)) / 60_000)) : 0;
  return (
    <Alert
      type={posture.level === 'restricted' ? 'error' : 'warning'}
      showIcon
      banner
      data-testid="sync-banner"
      title={t(posture.level === 'restricted' ? 'sync.restricted' : 'sync.offline', { minutes, queued: sync?.status.queuedEvents ?? 0 })}
    />
  );
}
