// Back office, HQ: one store's sync exceptions (negative points, unknown member, a coupon used
// twice…), opened from the count on 门店与区域, each resolved with a note saying what HQ did.
import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Input, Modal, Segmented, Space, Table, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, problemText } from '../api';
import type { SyncExceptionView } from '../../../src/sync/exceptions';


const PAGE = 20;

export function SyncExceptionsModal({ storeCode, time, canResolve, onClose }: { storeCode: string; time: (iso: string | null) => string; canResolve: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const [status, setStatus] = useState<'open' | 'resolved'>('open');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ total: number; exceptions: SyncExceptionView[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [resolving, setResolving] = useState<SyncExceptionView | null>(null);
  const [note, setNote] = useState('');
  const load = useCallback(async () => {
    const q = new URLSearchParams({ store: storeCode, status, limit: String(PAGE), offset: String((page - 1) * PAGE) });
    setData(await api<{ total: number; exceptions: SyncExceptionView[] }>('GET', `/sync/exceptions?${q.toString()}`));
  }, [storeCode, status, page]);
  useEffect(() => {
    void load().catch((err: unknown) => setError(problemText(err, t)));
  }, [load, t]);
  const resolve = async () => {
    if (!resolving) return;
    try {
      await api('POST', `/sync/exceptions/${encodeURIComponent(resolving.id)}/resolve`, { note });
      setResolving(null);
      setNote('');
      setError(null);
      await load();
    } catch (err) {
      setError(problemText(err, t));
    }
  };
  return (
    <Modal open title={t('chain.exceptionsOf', { store: storeCode })} onCancel={onClose} footer={null} width={960} data-testid="sync-exceptions">
      <Space direction="vertical" style={{ width: '100%' }}>
        {error && <Alert type="error" title={error} closable onClose={() => setError(null)} />}
        <Segmented<'open' | 'resolved'>
          value={status}
          onChange={(v) => {
            setStatus(v);
            setPage(1);
          }}
          options={[
            { value: 'open', label: t('chain.exceptionOpen') },
            { value: 'resolved', label: t('chain.exceptionResolved') },
          ]}
        />
        <Table<SyncExceptionView>
          rowKey="id"
          size="small"
          dataSource={data?.exceptions ?? []}
          locale={{ emptyText: t('chain.noExceptions') }}
          pagination={{ current: page, pageSize: PAGE, total: data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
          columns={[
            { title: t('chain.exceptionAt'), width: 130, render: (_v, e) => time(e.createdAt) },
            { title: t('chain.exceptionCode'), render: (_v, e) => <Tag color={e.status === 'open' ? 'orange' : 'default'}>{e.code}</Tag> },
            { title: t('chain.exceptionDoc'), render: (_v, e) => `${e.docType} · ${e.ref ?? e.docId.slice(-8)}` },
            { title: t('chain.exceptionDetail'), dataIndex: 'detail' },
            status === 'open'
              ? { title: '', key: 'resolve', render: (_v: unknown, e: SyncExceptionView) => canResolve && <Button size="small" onClick={() => setResolving(e)} data-testid={`exception-resolve-${e.id}`}>{t('chain.resolve')}</Button> }
              : { title: t('chain.resolution'), key: 'resolution', render: (_v: unknown, e: SyncExceptionView) => `${e.resolution ?? ''} — ${e.resolvedByName ?? ''} ${time(e.resolvedAt)}` },
          ]}
        />
      </Space>
      <Modal
        open={resolving !== null}
        title={resolving ? `${t('chain.resolve')} · ${resolving.code}` : ''}
        onOk={() => void resolve()}
        onCancel={() => setResolving(null)}
        okText={t('chain.resolve')}
        okButtonProps={{ disabled: note.trim() === '' }}
        destroyOnHidden
      >
        <Input.TextArea value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} rows={3} placeholder={t('chain.resolutionHint')} data-testid="exception-note" />
      </Modal>
    </Modal>
  );
}
