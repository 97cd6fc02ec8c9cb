// Back office: reconciliation of a business date — import bills and statements, then see what
// matched, what is pending, and every gap with its reason and the bill lines behind it.
import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Card, Input, Select, Space, Statistic, Table, Tag, Upload } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, problemText } from '../api';
import { formatMoney } from '../money';

interface ReconException {
  code: string;
  channel: string;
  merchantOrderNo: string;
  posAmountFen: number | null;
  channelAmountFen: number | null;
  receiptNo: string | null;
  lines: number[];
}
interface ReconRun {
  date: string;
  summary: { matched: number; pending: number; exceptions: number };
  exceptions: ReconException[];
}

function yesterday(): string {
  // The business day that has just closed, in the store's zone (Asia/Shanghai by default).
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() - 86_400_000));
}

export function ReconciliationPage() {
  const { t } = useTranslation();
  const [date, setDate] = useState(yesterday());
  const [run, setRun] = useState<ReconRun | null>(null);
  const [source, setSource] = useState<'wechat' | 'alipay' | 'bank'>('wechat');
  const [message, setMessage] = useState<{ type: 'success' | 'error'; text: string } | null>(null);

  const load = useCallback(async () => {
    try {
      setRun(await api<ReconRun>('GET', `/recon/exceptions?date=${encodeURIComponent(date)}`));
    } catch (err) {
      setMessage({ type: 'error', text: problemText(err, t) });
    }
  }, [date, t]);
  useEffect(() => {
    void load();
  }, [load]);

  const upload = async (file: File) => {
    const csrf = document.cookie.split('; ').find((c) => c.startsWith('tp_csrf='))?.slice(8) ?? '';
    const res = await fetch(`/api/v1/recon/imports?source=${source}&fileName=${encodeURIComponent(file.name)}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'x-csrf-token': csrf }, body: file });
    const body = (await res.json()) as { lines?: number; alreadyImported?: boolean; detail?: string };
    setMessage(res.ok ? { type: 'success', text: body.alreadyImported ? t('recon.already', { lines: body.lines }) : t('recon.imported', { lines: body.lines }) } : { type: 'error', text: body.detail ?? res.statusText });
    if (res.ok) await load();
  };

  const amount = (fen: number | null) => (fen === null ? '—' : formatMoney(fen));
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {message && <Alert type={message.type} title={message.text} closable onClose={() => setMessage(null)} data-testid="recon-message" />}
      <Space wrap>
        <Input type="date" value={date} onChange={(e) => setDate(e.target.value)} style={{ width: 160 }} data-testid="recon-date" />
        <Select
          value={source}
          onChange={setSource}
          style={{ width: 140 }}
          options={[
            { value: 'wechat', label: t('recon.wechat') },
            { value: 'alipay', label: t('recon.alipay') },
            { value: 'bank', label: t('recon.bank') },
          ]}
        />
        <Upload showUploadList={false} beforeUpload={(file) => { void upload(file); return false; }}>
          <Button type="primary">{t('recon.import')}</Button>
        </Upload>
      </Space>
      <Space size="large" wrap>
        <Card><Statistic title={t('recon.matched')} value={run?.summary.matched ?? 0} data-testid="recon-matched" /></Card>
        <Card><Statistic title={t('recon.pending')} value={run?.summary.pending ?? 0} /></Card>
        <Card><Statistic title={t('recon.exceptions')} value={run?.summary.exceptions ?? 0} styles={{ content: { color: run?.summary.exceptions ? '#cf1322' : undefined } }} data-testid="recon-exceptions" /></Card>
      </Space>
      <Table<ReconException>
        rowKey={(e) => `${e.code}-${e.channel}-${e.merchantOrderNo}`}
        size="small"
        dataSource={run?.exceptions ?? []}
        locale={{ emptyText: t('recon.none') }}
        columns={[
          { title: t('recon.code'), dataIndex: 'code', render: (code: string) => <Tag color="red">{t(`recon.codes.${code}`, { defaultValue: code })}</Tag> },
          { title: t('recon.channel'), dataIndex: 'channel', width: 100 },
          { title: t('recon.order'), dataIndex: 'merchantOrderNo' },
          { title: t('recon.receipt'), dataIndex: 'receiptNo', render: (v: string | null) => v ?? '—' },
          { title: t('recon.pos'), align: 'right', render: (_v, e) => amount(e.posAmountFen) },
          { title: t('recon.bill'), align: 'right', render: (_v, e) => amount(e.channelAmountFen) },
          { title: t('recon.lines'), render: (_v, e) => e.lines.join(', ') || '—' },
        ]}
      />
    </Space>
  );
}
