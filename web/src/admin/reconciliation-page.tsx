// Back office: reconciliation of a business date — import bills, settlements and statements, see
// the three layers and each store × channel (matched, pending, exceptions), and work each exception
// in a drawer: assign, note, resolve by manual match, write off with a reason. The dashboard above
// it (recon-dashboard.tsx) charts the day.
import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Card, Descriptions, Drawer, Input, Select, Space, Statistic, Table, Tag, Timeline, Typography, Upload } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, ApiError, problemText, type Me } from '../api';
import { formatMoney, parseYuan } from '../money';
import { ReconDashboard, type ChannelMoney } from './recon-dashboard';

type Status = 'open' | 'assigned' | 'resolved' | 'written_off';
interface ReconException {
  key: string;
  code: string;
  channel: string;
  storeId: string | null;
  amountFen: number;
  merchantOrderNo?: string;
  refundNo?: string;
  batchId?: string | null;
  cashierName?: string;
  posAmountFen?: number | null;
  channelAmountFen?: number | null;
  /** A cash deposit: what the store took to the bank, what the bank credited, the slip. */
  depositFen?: number | null;
  bankFen?: number | null;
  slipNo?: string | null;
  receiptNo?: string | null;
  lines?: number[];
  id?: string;
  status?: Status;
}
interface Summary {
  matched: number;
  pending: number;
  exceptions: number;
}
interface ReconRun {
  date: string;
  summary: Summary;
  layers: Record<'sales' | 'settlement' | 'bank' | 'cash', Summary>;
  stores: Array<Summary & { storeId: string | null; storeCode: string | null; channel: string }>;
  channels?: ChannelMoney[];
  inTransitFen?: number;
  exceptions: ReconException[];
}
interface ExceptionView {
  id: string;
  code: string;
  status: Status;
  amountFen: number;
  assigneeName: string | null;
  resolution: string | null;
  /** The customer overpaid: the drawer offers the refund. */
  refundable: boolean;
  detail: Record<string, unknown>;
  events: Array<{ at: string; actorName: string | null; action: string; note: string | null }>;
}

const STATUS_COLOR: Record<Status, string> = { open: 'red', assigned: 'orange', resolved: 'green', written_off: 'default' };
/** The drawer's fields, empty for each exception opened. */
const EMPTY_FORM = { username: '', note: '', resolveNote: '', matchWith: '', reason: '', refundRef: '' };
/** Detail fields the drawer does not list: shown elsewhere in it, or internal ids. */
const HIDDEN_DETAIL: ReadonlySet<string> = new Set(['code', 'key', 'id', 'status', 'assigneeId', 'amountFen', 'storeId', 'saleId', 'shiftId', 'terminalId', 'cashierId', 'side']);

function yesterday(): string {
  // The business day that has just closed, in the store's zone (Asia/Shanghai by default).
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() - 86_400_000));
}

/** What an exception is about, in one line: the order, refund, batch, cashier or deposit slip. */
function subjectOf(e: ReconException): string {
  return [e.merchantOrderNo, e.refundNo, e.batchId, e.cashierName, e.slipNo].filter((x) => x).join(' · ') || '—';
}

/** The page for the chain, or for one store of the user's (a store's own view: its dashboard, days and list). */
export function ReconciliationPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [date, setDate] = useState(yesterday());
  const [run, setRun] = useState<ReconRun | null>(null);
  const [recorded, setRecorded] = useState(true);
  // Whose reconciliation: a store's code, or '' for all the user may see (the chain's; a store's
  // user's own store, as the server scopes it by role).
  const [view, setView] = useState('');
  // The list's filters ('' = all): a channel, an exception code, a status.
  const [filter, setFilter] = useState<{ channel: string; code: string; status: Status | '' }>({ channel: '', code: '', status: '' });
  const [source, setSource] = useState<'wechat' | 'alipay' | 'aggregator' | 'card' | 'settlement' | 'bank'>('wechat');
  const [message, setMessage] = useState<{ type: 'success' | 'error'; text: string } | null>(null);
  const [open, setOpen] = useState<ExceptionView | null>(null);
  const [form, setForm] = useState(EMPTY_FORM);
  const [deposit, setDeposit] = useState({ store: 'S001', amount: '', slipNo: '', fetchAt: '' });
  /** A bill of a store's own merchant account names the store (what no sale explains on it is that store's); empty: the chain's. */
  const [billStore, setBillStore] = useState('');

  const load = useCallback(async () => {
    const scoped = () => api<ReconRun>('GET', `/recon/exceptions?date=${encodeURIComponent(date)}${view ? `&store=${encodeURIComponent(view)}` : ''}`);
    try {
      // Recording the run gives each exception its id to work on; a viewer without recon.manage only looks.
      const recordedRun = await api<ReconRun>('POST', '/recon/runs', { date });
      setRun(view ? await scoped() : recordedRun);
      setRecorded(true);
    } catch (err) {
      if (!(err instanceof ApiError) || err.problem.code !== 'PERMISSION_DENIED') {
        setMessage({ type: 'error', text: problemText(err, t) });
        return;
      }
      setRecorded(false);
      try {
        setRun(await scoped());
      } catch (again) {
        setMessage({ type: 'error', text: problemText(again, t) });
      }
    }
  }, [date, view, t]);
  useEffect(() => {
    void load();
  }, [load]);

  const upload = async (file: File) => {
    const csrf = document.cookie.split('; ').find((c) => c.startsWith('tp_csrf='))?.slice(8) ?? '';
    const profile = source === 'bank' && file.name.toLowerCase().endsWith('.csv') ? '&profile=icbc' : '';
    const store = billStore ? `&store=${encodeURIComponent(billStore)}` : '';
    const res = await fetch(`/api/v1/recon/imports?source=${source}&fileName=${encodeURIComponent(file.name)}${profile}${store}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'x-csrf-token': csrf }, body: file });
    const body = (await res.json()) as { lines?: number; alreadyImported?: boolean; detail?: string };
    setMessage(res.ok ? { type: 'success', text: body.alreadyImported ? t('recon.already', { lines: body.lines }) : t('recon.imported', { lines: body.lines }) } : { type: 'error', text: body.detail ?? res.statusText });
    if (res.ok) await load();
  };

  const show = async (id: string) => {
    try {
      setOpen(await api<ExceptionView>('GET', `/recon/exceptions/${id}`));
      setForm(EMPTY_FORM);
    } catch (err) {
      setMessage({ type: 'error', text: problemText(err, t) });
    }
  };
  const act = async (path: string, body: unknown) => {
    if (!open) return;
    try {
      setOpen(await api<ExceptionView>('POST', `/recon/exceptions/${open.id}/${path}`, body));
      await load();
    } catch (err) {
      setMessage({ type: 'error', text: problemText(err, t) });
    }
  };

  // The cash a store took to the bank for the day (blank amount: the day's counted cash less the floats).
  const recordDeposit = async () => {
    try {
      const amountFen = deposit.amount.trim() ? parseYuan(deposit.amount, t('recon.depositAmount')) : undefined;
      const saved = await api<{ amountFen: number; countedFen: number }>('POST', '/recon/cash-deposits', { store: deposit.store, businessDate: date, amountFen, slipNo: deposit.slipNo || undefined });
      setMessage({ type: 'success', text: t('recon.depositRecorded', { amount: formatMoney(saved.amountFen), counted: formatMoney(saved.countedFen) }) });
      await load();
    } catch (err) {
      setMessage({ type: 'error', text: problemText(err, t) });
    }
  };
  const saveFetchAt = async () => {
    try {
      const saved = await api<{ store: string; fetchAt: string; timeZone: string }>('PUT', '/recon/settings', { store: deposit.store, fetchAt: deposit.fetchAt });
      setMessage({ type: 'success', text: t('recon.fetchAtSaved', saved) });
    } catch (err) {
      setMessage({ type: 'error', text: problemText(err, t) });
    }
  };

  const amount = (fen: number | null | undefined) => (fen === null || fen === undefined ? '—' : formatMoney(fen));
  // Signed, so a difference never reads like one of the two amounts it is the difference of.
  const difference = (fen: number) => `${fen > 0 ? '+' : ''}${formatMoney(fen)}`;
  const channelName = (channel: string) => t(`recon.channels.${channel}`, { defaultValue: channel });
  const codeTag = (code: string) => <Tag color="red">{t(`recon.codes.${code}`, { defaultValue: code })}</Tag>;
  const statusTag = (status: Status | undefined) => (status ? <Tag color={STATUS_COLOR[status]}>{t(`recon.statuses.${status}`)}</Tag> : '—');
  const working = open && (open.status === 'open' || open.status === 'assigned');
  const others = (run?.exceptions ?? []).filter((e) => e.id && e.id !== open?.id && (e.status === 'open' || e.status === 'assigned'));
  const shown = (run?.exceptions ?? []).filter((e) => (!filter.channel || e.channel === filter.channel) && (!filter.code || e.code === filter.code) && (!filter.status || (e.status ?? 'open') === filter.status));
  const present = (pick: (e: ReconException) => string) => [...new Set((run?.exceptions ?? []).map(pick))].sort();
  // The export is what the page shows: the store's (or the chain's) exceptions, filtered as the list is.
  const exportFilter = new URLSearchParams(Object.entries({ store: view, ...filter }).filter(([, v]) => v !== '')).toString();

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {message && <Alert type={message.type} title={message.text} closable onClose={() => setMessage(null)} data-testid="recon-message" />}
      {!recorded && <Alert type="info" title={t('recon.notRecorded')} />}
      <Space wrap>
        <Input type="date" value={date} onChange={(e) => setDate(e.target.value)} style={{ width: 160 }} data-testid="recon-date" />
        {me.stores.length > 1 && (
          <Select
            value={view}
            onChange={setView}
            style={{ width: 220 }}
            data-testid="recon-store-view"
            options={[{ value: '', label: t('recon.wholeChain') }, ...me.stores.map((s) => ({ value: s.code, label: `${s.code} · ${s.name}` }))]}
          />
        )}
        <Select
          value={source}
          onChange={setSource}
          style={{ width: 160 }}
          options={[
            { value: 'wechat', label: t('recon.wechat') },
            { value: 'alipay', label: t('recon.alipay') },
            { value: 'aggregator', label: t('recon.aggregator') },
            { value: 'card', label: t('recon.card') },
            { value: 'settlement', label: t('recon.settlement') },
            { value: 'bank', label: t('recon.bank') },
          ]}
        />
        <Input placeholder={t('recon.billStore')} value={billStore} onChange={(e) => setBillStore(e.target.value.trim().toUpperCase())} style={{ width: 190 }} data-testid="recon-import-store" />
        <Upload showUploadList={false} beforeUpload={(file) => { void upload(file); return false; }}>
          <Button type="primary">{t('recon.import')}</Button>
        </Upload>
      </Space>
      <Space wrap>
        <Input prefix={`${t('recon.store')}:`} value={deposit.store} onChange={(e) => setDeposit({ ...deposit, store: e.target.value.toUpperCase() })} style={{ width: 150 }} data-testid="recon-deposit-store" />
        <Input prefix="¥" placeholder={t('recon.depositAmount')} value={deposit.amount} onChange={(e) => setDeposit({ ...deposit, amount: e.target.value })} style={{ width: 200 }} data-testid="recon-deposit-amount" />
        <Input placeholder={t('recon.slipNo')} value={deposit.slipNo} onChange={(e) => setDeposit({ ...deposit, slipNo: e.target.value })} style={{ width: 180 }} />
        <Button onClick={() => void recordDeposit()} disabled={!deposit.store} data-testid="recon-deposit">{t('recon.recordDeposit')}</Button>
        <Input placeholder={t('recon.fetchAt')} value={deposit.fetchAt} onChange={(e) => setDeposit({ ...deposit, fetchAt: e.target.value })} style={{ width: 170 }} />
        <Button onClick={() => void saveFetchAt()} disabled={!deposit.store || !deposit.fetchAt}>{t('recon.saveFetchAt')}</Button>
      </Space>
      <ReconDashboard run={run} date={date} onPickDate={setDate} store={view} exportFilter={exportFilter} />
      <Space size="large" wrap>
        <Card><Statistic title={t('recon.matched')} value={run?.summary.matched ?? 0} data-testid="recon-matched" /></Card>
        <Card><Statistic title={t('recon.pending')} value={run?.summary.pending ?? 0} /></Card>
        <Card><Statistic title={t('recon.exceptions')} value={run?.summary.exceptions ?? 0} styles={{ content: { color: run?.summary.exceptions ? '#cf1322' : undefined } }} data-testid="recon-exceptions" /></Card>
      </Space>
      <Space align="start" wrap style={{ width: '100%' }}>
        <Table<{ layer: string } & Summary>
          title={() => t('recon.layers.title')}
          rowKey="layer"
          size="small"
          pagination={false}
          dataSource={run ? (['sales', 'settlement', 'bank', 'cash'] as const).map((layer) => ({ layer, ...run.layers[layer] })) : []}
          columns={[
            { title: t('recon.layer'), dataIndex: 'layer', render: (layer: string) => t(`recon.layers.${layer}`) },
            { title: t('recon.matched'), dataIndex: 'matched', align: 'right' },
            { title: t('recon.pending'), dataIndex: 'pending', align: 'right' },
            { title: t('recon.exceptions'), dataIndex: 'exceptions', align: 'right' },
          ]}
        />
        <Table<ReconRun['stores'][number]>
          title={() => t('recon.byStore')}
          rowKey={(g) => `${g.storeId ?? ''}-${g.channel}`}
          size="small"
          pagination={false}
          dataSource={run?.stores ?? []}
          data-testid="recon-stores"
          columns={[
            { title: t('recon.store'), dataIndex: 'storeCode', render: (code: string | null) => code ?? t('recon.chain') },
            { title: t('recon.channel'), dataIndex: 'channel', render: channelName },
            { title: t('recon.matched'), dataIndex: 'matched', align: 'right' },
            { title: t('recon.pending'), dataIndex: 'pending', align: 'right' },
            { title: t('recon.exceptions'), dataIndex: 'exceptions', align: 'right', render: (n: number) => (n ? <Typography.Text type="danger">{n}</Typography.Text> : n) },
          ]}
        />
      </Space>
      <Space wrap>
        <Select
          value={filter.channel}
          onChange={(channel) => setFilter({ ...filter, channel })}
          style={{ width: 140 }}
          data-testid="recon-channel-filter"
          options={[{ value: '', label: t('recon.allChannels') }, ...present((e) => e.channel).map((c) => ({ value: c, label: channelName(c) }))]}
        />
        <Select
          value={filter.code}
          onChange={(code) => setFilter({ ...filter, code })}
          style={{ width: 220 }}
          data-testid="recon-code-filter"
          options={[{ value: '', label: t('recon.allCodes') }, ...present((e) => e.code).map((c) => ({ value: c, label: t(`recon.codes.${c}`, { defaultValue: c }) }))]}
        />
        <Select
          value={filter.status}
          onChange={(status) => setFilter({ ...filter, status })}
          style={{ width: 160 }}
          data-testid="recon-status-filter"
          options={[{ value: '', label: t('recon.allStatuses') }, ...(['open', 'assigned', 'resolved', 'written_off'] as const).map((s) => ({ value: s, label: t(`recon.statuses.${s}`) }))]}
        />
      </Space>
      <Table<ReconException>
        rowKey="key"
        size="small"
        dataSource={shown}
        data-testid="recon-list"
        locale={{ emptyText: t('recon.none') }}
        onRow={(e) => ({ onClick: () => e.id && void show(e.id), style: { cursor: e.id ? 'pointer' : undefined } })}
        columns={[
          { title: t('recon.code'), dataIndex: 'code', render: codeTag },
          { title: t('recon.channel'), dataIndex: 'channel', width: 100, render: channelName },
          { title: t('recon.order'), render: (_v, e) => subjectOf(e) },
          { title: t('recon.receipt'), dataIndex: 'receiptNo', render: (v: string | null | undefined) => v ?? '—' },
          { title: t('recon.pos'), align: 'right', render: (_v, e) => amount(e.posAmountFen ?? e.depositFen) },
          { title: t('recon.bill'), align: 'right', render: (_v, e) => amount(e.channelAmountFen ?? e.bankFen) },
          { title: t('recon.difference'), align: 'right', render: (_v, e) => difference(e.amountFen) },
          { title: t('recon.lines'), render: (_v, e) => e.lines?.join(', ') || '—' },
          { title: t('recon.status'), dataIndex: 'status', render: statusTag },
        ]}
      />
      <Drawer open={open !== null} onClose={() => setOpen(null)} title={t('recon.detail')} data-testid="recon-drawer">
        {open && (
          <Space direction="vertical" style={{ width: '100%' }}>
            <Space>
              {codeTag(open.code)}
              <span data-testid="recon-drawer-status">{statusTag(open.status)}</span>
            </Space>
            <Descriptions size="small" column={1} bordered>
              <Descriptions.Item label={t('recon.difference')}>{difference(open.amountFen)}</Descriptions.Item>
              <Descriptions.Item label={t('recon.assignee')}>{open.assigneeName ?? '—'}</Descriptions.Item>
              {Object.entries(open.detail)
                .filter(([k, v]) => !HIDDEN_DETAIL.has(k) && v !== null && typeof v !== 'object')
                .map(([k, v]) => (
                  <Descriptions.Item key={k} label={t(`recon.fields.${k}`, { defaultValue: k })}>{k.endsWith('Fen') && typeof v === 'number' ? formatMoney(v) : k === 'channel' ? channelName(String(v)) : String(v)}</Descriptions.Item>
                ))}
              {open.resolution && <Descriptions.Item label={t('recon.note')}>{open.resolution}</Descriptions.Item>}
            </Descriptions>
            {working && (
              <>
                <Space.Compact style={{ width: '100%' }}>
                  <Input placeholder={t('recon.assignTo')} value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} />
                  <Button onClick={() => void act('assign', { username: form.username })} disabled={!form.username}>{t('recon.assign')}</Button>
                </Space.Compact>
                <Input.TextArea placeholder={t('recon.resolveNote')} value={form.resolveNote} onChange={(e) => setForm({ ...form, resolveNote: e.target.value })} rows={2} />
                <Select
                  allowClear
                  placeholder={t('recon.matchWith')}
                  value={form.matchWith || undefined}
                  onChange={(v: string | undefined) => setForm({ ...form, matchWith: v ?? '' })}
                  style={{ width: '100%' }}
                  options={others.map((e) => ({ value: e.id ?? '', label: `${t(`recon.codes.${e.code}`, { defaultValue: e.code })} ${subjectOf(e)} ${difference(e.amountFen)}` }))}
                />
                <Button onClick={() => void act('resolve', { note: form.resolveNote, matchedExceptionId: form.matchWith || undefined })} disabled={!form.resolveNote}>{t('recon.resolve')}</Button>
                <Input.TextArea placeholder={t('recon.writeOffReason')} value={form.reason} onChange={(e) => setForm({ ...form, reason: e.target.value })} rows={2} data-testid="recon-writeoff-reason" />
                <Button danger onClick={() => void act('write-off', { reason: form.reason })} disabled={!form.reason} data-testid="recon-writeoff">{t('recon.writeOff')}</Button>
                {open.refundable && (
                  <Space.Compact style={{ width: '100%' }}>
                    <Input placeholder={t('recon.refundRef')} value={form.refundRef} onChange={(e) => setForm({ ...form, refundRef: e.target.value })} data-testid="recon-refund-ref" />
                    <Button onClick={() => void act('refund', { reference: form.refundRef, note: form.resolveNote || undefined })} disabled={!form.refundRef.trim()} data-testid="recon-refund">{t('recon.refunded', { amount: formatMoney(open.amountFen) })}</Button>
                  </Space.Compact>
                )}
              </>
            )}
            <Space.Compact style={{ width: '100%' }}>
              <Input placeholder={t('recon.note')} value={form.note} onChange={(e) => setForm({ ...form, note: e.target.value })} />
              <Button onClick={() => void act('notes', { text: form.note }).then(() => setForm((f) => ({ ...f, note: '' })))} disabled={!form.note}>{t('recon.addNote')}</Button>
            </Space.Compact>
            <Typography.Title level={5}>{t('recon.history')}</Typography.Title>
            <Timeline
              items={open.events.map((e) => ({ children: `${new Date(e.at).toLocaleString()} ${t(`recon.events.${e.action}`, { defaultValue: e.action })} ${e.actorName ?? ''} ${e.note ?? ''}` }))}
            />
          </Space>
        )}
      </Drawer>
    </Space>
  );
}
