// Back office: the audit trail — who did what, to which document, in which store and when,
// newest first, filtered by person, type, store and dates; each record's data on expanding it.
import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, problemText, type Me } from '../api';

interface AuditRecord {
  nodeId: string;
  seq: number;
  id: string;
  at: string;
  action: string;
  docType: string;
  docId: string;
  actor: { id: string; username: string; displayName: string } | null;
  storeCode: string | null;
  data: unknown;
}
interface AuditTrail {
  records: AuditRecord[];
  nextBefore: number | null;
}
interface Filters {
  actor: string;
  action: string;
  store: string;
  from: string;
  to: string;
}

/** The types offered in the filter; the API also takes any exact action such as sale.completed. */
const ACTION_TYPES = ['sale', 'shift', 'cash', 'return', 'refund', 'approval', 'recon'] as const;
const NO_FILTERS: Filters = { actor: '', action: '', store: '', from: '', to: '' };

function trailUrl(filters: Filters, before?: number): string {
  const params = new URLSearchParams({ limit: '50' });
  for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
  if (before !== undefined) params.set('before', String(before));
  return `/audit?${params.toString()}`;
}

export function AuditPage({ stores }: { stores: Me['stores'] }) {
  const { t, i18n } = useTranslation();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [shown, setShown] = useState<Filters>(NO_FILTERS);
  const [records, setRecords] = useState<AuditRecord[]>([]);
  const [nextBefore, setNextBefore] = useState<number | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    async (wanted: Filters, before?: number) => {
      setLoading(true);
      try {
        const page = await api<AuditTrail>('GET', trailUrl(wanted, before));
        setRecords((old) => (before === undefined ? page.records : [...old, ...page.records]));
        setNextBefore(page.nextBefore);
        setShown(wanted);
        setError(null);
      } catch (err) {
        setError(problemText(err, t));
      } finally {
        setLoading(false);
      }
    },
    [t],
  );
  useEffect(() => {
    void load(NO_FILTERS);
  }, [load]);

  const time = new Intl.DateTimeFormat(i18n.language, { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'medium' });
  const set = (key: keyof Filters) => (value: string) => setFilters((f) => ({ ...f, [key]: value }));
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {error && <Alert type="error" title={error} closable onClose={() => setError(null)} data-testid="audit-error" />}
      <Space wrap>
        <Input placeholder={t('audit.actorPlaceholder')} value={filters.actor} onChange={(e) => set('actor')(e.target.value)} style={{ width: 160 }} allowClear data-testid="audit-actor" />
        <Select
          value={filters.action}
          onChange={set('action')}
          style={{ width: 140 }}
          options={[{ value: '', label: t('audit.allActions') }, ...ACTION_TYPES.map((a) => ({ value: a, label: t(`audit.types.${a}`) }))]}
          data-testid="audit-action"
        />
        <Select
          value={filters.store}
          onChange={set('store')}
          style={{ width: 180 }}
          options={[{ value: '', label: t('audit.allStores') }, ...stores.map((s) => ({ value: s.code, label: `${s.code} · ${s.name}` }))]}
          data-testid="audit-store"
        />
        <Input type="date" value={filters.from} onChange={(e) => set('from')(e.target.value)} style={{ width: 150 }} aria-label={t('audit.from')} data-testid="audit-from" />
        <Input type="date" value={filters.to} onChange={(e) => set('to')(e.target.value)} style={{ width: 150 }} aria-label={t('audit.to')} data-testid="audit-to" />
        <Button type="primary" onClick={() => void load(filters)} loading={loading} data-testid="audit-search">
          {t('audit.search')}
        </Button>
        <Typography.Text type="secondary">{t('audit.datesHint')}</Typography.Text>
      </Space>
      <Table<AuditRecord>
        rowKey={(r) => `${r.nodeId}-${r.seq}`}
        size="small"
        loading={loading}
        dataSource={records}
        pagination={false}
        locale={{ emptyText: t('audit.none') }}
        expandable={{ expandedRowRender: (r) => <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{JSON.stringify(r.data, null, 2)}</pre> }}
        data-testid="audit-table"
        columns={[
          { title: t('audit.seq'), dataIndex: 'seq', width: 80 },
          { title: t('audit.time'), dataIndex: 'at', width: 180, render: (at: string) => time.format(new Date(at)) },
          { title: t('audit.actor'), render: (_v, r) => (r.actor ? `${r.actor.displayName} (${r.actor.username})` : t('audit.system')) },
          { title: t('audit.action'), dataIndex: 'action', render: (action: string) => <Tag>{t(`audit.actions.${action}`, { defaultValue: action })}</Tag> },
          { title: t('audit.store'), dataIndex: 'storeCode', width: 90, render: (code: string | null) => code ?? '—' },
          { title: t('audit.document'), render: (_v, r) => <Typography.Text copyable={{ text: r.docId }}>{`${r.docType} ${r.docId.slice(-8)}`}</Typography.Text> },
        ]}
      />
      {nextBefore !== null && (
        <Button onClick={() => void load(shown, nextBefore)} loading={loading} data-testid="audit-more">
          {t('audit.more')}
        </Button>
      )}
    </Space>
  );
}
