// On a store node, tells the cashier when HQ is out of reach: selling goes on, but past the
// limits points payments and returns wait (platform/offline.ts). Silent on the all-in-one node.
import { useEffect, useState } from 'react';
import { Alert } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../api';

interface Posture {
  offline: boolean;
  offlineSince: string | null;
  level: 'ok' | 'warn' | 'restricted';
  reason: string | null;
}

const POLL_MS = 30_000;

export function SyncBanner() {
  const { t } = useTranslation();
  const [state, setState] = useState<{ posture?: Posture; queuedEvents: number } | null>(null);
  useEffect(() => {
    const load = () =>
      void api<{ posture?: Posture; queuedEvents: number }>('GET', '/sync/status')
        .then(setState)
        .catch(() => setState(null));
    load();
    const timer = setInterval(load, POLL_MS);
    return () => clearInterval(timer);
  }, []);
  const posture = state?.posture;
  if (!posture?.offline) return null;
  const minutes = posture.offlineSince ? Math.max(0, Math.floor((Date.now() - Date.parse(posture.offlineSince)) / 60_000)) : 0;
  return (
    <Alert
      type={posture.level === 'restricted' ? 'error' : 'warning'}
      showIcon
      banner
      data-testid="sync-banner"
      title={t(posture.level === 'restricted' ? 'sync.restricted' : 'sync.offline', { minutes, queued: state?.queuedEvents ?? 0 })}
    />
  );
}
