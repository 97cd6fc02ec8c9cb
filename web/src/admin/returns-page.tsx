// Back office: returns — the inbox of returns a till sent for approval, the returns of a day with
// their refunds (and a retry where a channel refused), and the store's return policy.
import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Card, Form, Input, InputNumber, Modal, Select, Space, Spin, Switch, Table, Tabs, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { problemText, type Me } from '../api';
import { formatMoney, parseYuan } from '../money';
import { returnsApi, type Approval, type ReturnDetail, type ReturnPolicy, type ReturnRow, type ReturnStatus, type ReturnSubject } from './returns-api';

/** A till waits on the manager, so the inbox looks again this often. */
const INBOX_REFRESH_MS = 5_000;
const STATUSES: readonly ReturnStatus[] = ['refunding', 'completed', 'refund_failed'];
const STATUS_COLOR: Record<ReturnStatus, string> = { refunding: 'blue', completed: 'green', refund_failed: 'red' };
/** Why a request needs approval, as the server writes it when the cashier gave no reason. */
const NEEDS = ['over_return_limit', 'over_shift_limit', 'outside_window', 'no_receipt'];

type Message = { type: 'success' | 'error'; text: string } | null;

const shanghaiTime = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const formatTime = (iso: string | null) => (iso ? shanghaiTime.format(new Date(iso)) : '—');

function todayInShanghai(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
}

/** Pending approvals, the returns of a day, and the return policy, as three tabs. */
export function ReturnsPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  return (
    <Tabs
      data-testid="returns-tabs"
      items={[
        { key: 'pending', label: t('returnsAdmin.tabs.pending'), children: <ApprovalsPanel me={me} /> },
        { key: 'returns', label: t('returnsAdmin.tabs.returns'), children: <ReturnsPanel me={me} /> },
        { key: 'policy', label: t('returnsAdmin.tabs.policy'), children: <PolicyPanel me={me} /> },
      ]}
    />
  );
}

function storeLabel(me: Me, storeId: string): string {
  const store = me.stores.find((s) => s.id === storeId);
  return store ? `${store.code} · ${store.name}` : storeId;
}

/** The reason a till gave, or the policy rules it crossed in the manager's words. */
function reasonText(reason: string, t: TFunction): string {
  const parts = reason.split(',');
  return parts.every((p) => NEEDS.includes(p)) ? parts.map((p) => t(`returnsAdmin.needs.${p}`)).join('、') : reason;
}

function ApprovalsPanel({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [approvals, setApprovals] = useState<Approval[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [message, setMessage] = useState<Message>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState<Approval | null>(null);
  const [note, setNote] = useState('');

  const load = useCallback(async () => {
    try {
      setApprovals((await returnsApi.pendingApprovals()).approvals);
      setLoadError(null);
    } catch (err) {
      setLoadError(problemText(err, t));
    }
  }, [t]);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), INBOX_REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const decide = async (approval: Approval, approve: boolean, decisionNote?: string) => {
    const receiptNo = (approval.subject as ReturnSubject).receiptNo ?? '—';
    setBusyId(approval.id);
    try {
      await returnsApi.decide(approval.id, approve, decisionNote);
      setMessage({ type: 'success', text: t(approve ? 'returnsAdmin.approvedMsg' : 'returnsAdmin.rejectedMsg', { receiptNo }) });
    } catch (err) {
      // The role a request needs is on its row, so "too low" can say which role to ask.
      const role = t(`returns.role.${approval.requiredRole}`, { defaultValue: approval.requiredRole });
      setMessage({ type: 'error', text: problemText(err, (key, options) => t([`returnsAdmin.${key}`, key], { ...options, role })) });
    } finally {
      setBusyId(null);
      await load();
    }
  };
  const confirmReject = async () => {
    if (!rejecting) return;
    const approval = rejecting;
    setRejecting(null);
    await decide(approval, false, note.trim());
  };
  const multiStore = me.stores.length > 1;

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {loadError && <Alert type="error" title={loadError} data-testid="approvals-load-error" />}
      {message && <Alert type={message.type} title={message.text} closable onClose={() => setMessage(null)} data-testid="approvals-message" />}
      <Typography.Text type="secondary">{t('returnsAdmin.autoRefresh')}</Typography.Text>
      <Table<Approval>
        rowKey="id"
        size="small"
        dataSource={approvals}
        pagination={false}
        locale={{ emptyText: t('returnsAdmin.noPending') }}
        data-testid="approvals-table"
        columns={[
          { title: t('returnsAdmin.time'), width: 130, render: (_v, a) => formatTime(a.createdAt) },
          ...(multiStore ? [{ title: t('returnsAdmin.store'), render: (_v: unknown, a: Approval) => storeLabel(me, a.storeId) }] : []),
          { title: t('returnsAdmin.requester'), render: (_v, a) => a.requester.name },
          { title: t('returnsAdmin.receipt'), render: (_v, a) => (a.subject as ReturnSubject).receiptNo ?? t('returnsAdmin.noReceipt') },
          { title: t('returnsAdmin.items'), render: (_v, a) => (a.subject as ReturnSubject).lines.map((l) => `${l.name} ×${l.qty}`).join('，') },
          { title: t('returnsAdmin.amount'), align: 'right', width: 110, render: (_v, a) => formatMoney(a.amountFen) },
          { title: t('returnsAdmin.requiredRole'), width: 100, render: (_v, a) => <Tag>{t(`returns.role.${a.requiredRole}`, { defaultValue: a.requiredRole })}</Tag> },
          {
            title: t('returnsAdmin.reason'),
            render: (_v, a) => `${t(`returns.reasons.${(a.subject as ReturnSubject).reasonCode}`, { defaultValue: (a.subject as ReturnSubject).reasonCode })} · ${reasonText(a.reason, t)}`,
          },
          { title: t('returnsAdmin.expires'), width: 130, render: (_v, a) => (a.expired ? <Tag color="default">{t('returnsAdmin.expired')}</Tag> : formatTime(a.expiresAt)) },
          {
            title: '',
            width: 150,
            render: (_v, a) => (
              <Space>
                <Button type="primary" size="small" disabled={a.expired} loading={busyId === a.id} onClick={() => void decide(a, true)} data-testid={`approve-${a.id}`}>
                  {t('returnsAdmin.approve')}
                </Button>
                <Button
                  danger
                  size="small"
                  disabled={a.expired || busyId === a.id}
                  onClick={() => {
                    setNote('');
                    setRejecting(a);
                  }}
                  data-testid={`reject-${a.id}`}
                >
                  {t('returnsAdmin.reject')}
                </Button>
              </Space>
            ),
          },
        ]}
      />
      <Modal
        open={rejecting !== null}
        title={t('returnsAdmin.rejectTitle')}
        onOk={() => void confirmReject()}
        onCancel={() => setRejecting(null)}
        okText={t('returnsAdmin.reject')}
        okButtonProps={{ danger: true, disabled: note.trim() === '', ...({ 'data-testid': 'reject-confirm' } as Record<`data-${string}`, string>) }}
        destroyOnHidden
      >
        <Typography.Paragraph>{t('returnsAdmin.rejectNote')}</Typography.Paragraph>
        <Input.TextArea value={note} maxLength={200} rows={3} onChange={(e) => setNote(e.target.value)} data-testid="reject-note" />
      </Modal>
    </Space>
  );
}

function ReturnsPanel({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [date, setDate] = useState(todayInShanghai());
  const [status, setStatus] = useState<ReturnStatus | 'all'>('all');
  const [rows, setRows] = useState<ReturnRow[]>([]);
  const [details, setDetails] = useState<Record<string, ReturnDetail>>({});
  const [message, setMessage] = useState<Message>(null);
  const [retrying, setRetrying] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setRows((await returnsApi.list({ date, status: status === 'all' ? undefined : status })).returns);
    } catch (err) {
      setMessage({ type: 'error', text: problemText(err, t) });
    }
  }, [date, status, t]);
  useEffect(() => {
    void load();
  }, [load]);

  const storeCode = (row: ReturnRow) => me.stores.find((s) => s.id === row.storeId)?.code ?? '';
  const loadDetail = async (row: ReturnRow) => {
    try {
      const detail = await returnsApi.detail(row.id, storeCode(row));
      setDetails((d) => ({ ...d, [row.id]: detail }));
    } catch (err) {
      setMessage({ type: 'error', text: problemText(err, t) });
    }
  };
  const retry = async (row: ReturnRow) => {
    setRetrying(row.id);
    try {
      const detail = await returnsApi.retry(row.id, storeCode(row));
      setDetails((d) => ({ ...d, [row.id]: detail }));
      setMessage(detail.status === 'refund_failed' ? { type: 'error', text: t('returnsAdmin.retryFailed', { returnNo: row.returnNo }) } : { type: 'success', text: t('returnsAdmin.retried', { returnNo: row.returnNo }) });
    } catch (err) {
      setMessage({ type: 'error', text: problemText(err, t) });
    } finally {
      setRetrying(null);
      await load();
    }
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {message && <Alert type={message.type} title={message.text} closable onClose={() => setMessage(null)} data-testid="returns-message" />}
      <Space wrap>
        <Input type="date" value={date} onChange={(e) => setDate(e.target.value)} style={{ width: 160 }} aria-label={t('returnsAdmin.date')} data-testid="returns-date" />
        <Select
          value={status}
          onChange={setStatus}
          style={{ width: 140 }}
          options={[{ value: 'all', label: t('returnsAdmin.allStatuses') }, ...STATUSES.map((s) => ({ value: s, label: t(`returnsAdmin.statuses.${s}`) }))]}
          data-testid="returns-status"
        />
      </Space>
      <Table<ReturnRow>
        rowKey="id"
        size="small"
        dataSource={rows}
        locale={{ emptyText: t('returnsAdmin.noReturns') }}
        data-testid="returns-table"
        expandable={{
          onExpand: (expanded, row) => {
            if (expanded && !details[row.id]) void loadDetail(row);
          },
          expandedRowRender: (row) => {
            const detail = details[row.id];
            return detail ? <ReturnDetailView detail={detail} /> : <Spin size="small" />;
          },
        }}
        columns={[
          { title: t('returnsAdmin.returnNo'), dataIndex: 'returnNo' },
          { title: t('returnsAdmin.receipt'), render: (_v, r) => r.receiptNo ?? t('returnsAdmin.noReceipt') },
          { title: t('returnsAdmin.cashier'), dataIndex: 'cashierName', width: 100 },
          { title: t('returnsAdmin.reason'), width: 110, render: (_v, r) => t(`returns.reasons.${r.reasonCode}`, { defaultValue: r.reasonCode }) },
          { title: t('returnsAdmin.amount'), align: 'right', width: 110, render: (_v, r) => formatMoney(r.refundFen) },
          { title: t('returnsAdmin.status'), width: 100, render: (_v, r) => <Tag color={STATUS_COLOR[r.status]}>{t(`returnsAdmin.statuses.${r.status}`)}</Tag> },
          {
            title: '',
            width: 110,
            render: (_v, r) =>
              r.status === 'refund_failed' && (
                <Button size="small" loading={retrying === r.id} onClick={() => void retry(r)} data-testid={`retry-${r.id}`}>
                  {t('returnsAdmin.retry')}
                </Button>
              ),
          },
        ]}
      />
    </Space>
  );
}

function ReturnDetailView({ detail }: { detail: ReturnDetail }) {
  const { t } = useTranslation();
  return (
    <Space align="start" size="large" wrap data-testid={`return-detail-${detail.id}`}>
      <Card size="small" title={t('returnsAdmin.lines')}>
        <Table
          rowKey="lineNo"
          size="small"
          pagination={false}
          dataSource={detail.lines}
          columns={[
            { title: t('returnsAdmin.item'), dataIndex: 'name' },
            { title: t('returnsAdmin.qty'), dataIndex: 'qty', width: 70 },
            { title: t('returnsAdmin.amount'), align: 'right', width: 100, render: (_v, l) => formatMoney(l.refundFen) },
          ]}
        />
      </Card>
      <Card size="small" title={t('returnsAdmin.refunds')}>
        <Table
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={detail.refunds}
          columns={[
            { title: t('returnsAdmin.method'), render: (_v, f) => t(`returns.method.${f.method}`, { defaultValue: f.method }) },
            { title: t('returnsAdmin.amount'), align: 'right', width: 100, render: (_v, f) => formatMoney(f.amountFen) },
            { title: t('returnsAdmin.status'), width: 90, render: (_v, f) => t(`returns.status.${f.status}`, { defaultValue: f.status }) },
            { title: t('returnsAdmin.error'), render: (_v, f) => (f.errorCode ? t(`errors.${f.errorCode}`, { defaultValue: f.message ?? f.errorCode }) : '—') },
          ]}
        />
      </Card>
    </Space>
  );
}

type RoleLimits = ReturnPolicy['limits'];
type Role = keyof RoleLimits;
/** The policy in the form's units: yuan, and null for "no limit". */
interface PolicyValues {
  windowDays: number;
  limits: Record<Role, { perReturn: number | null; perShift: number | null }>;
  noReceiptAllowed: boolean;
  noReceiptMax: number;
  otherStoreReceipts: boolean;
  approvalValidMinutes: number;
}

const toYuan = (fen: number | null) => (fen === null ? null : fen / 100);
const toFen = (yuan: number | null | undefined, field: string) => (yuan === null || yuan === undefined ? null : parseYuan(yuan.toFixed(2), field));

function toValues(p: ReturnPolicy): PolicyValues {
  const limits = Object.fromEntries(Object.entries(p.limits).map(([role, l]) => [role, { perReturn: toYuan(l.perReturnFen), perShift: toYuan(l.perShiftFen) }])) as PolicyValues['limits'];
  return { windowDays: p.windowDays, limits, noReceiptAllowed: p.noReceipt.allowed, noReceiptMax: p.noReceipt.maxFen / 100, otherStoreReceipts: p.otherStoreReceipts, approvalValidMinutes: p.approvalValidMinutes };
}

function toPolicy(v: PolicyValues): ReturnPolicy {
  const limits = Object.fromEntries(Object.entries(v.limits).map(([role, l]) => [role, { perReturnFen: toFen(l.perReturn, `${role}.perReturn`), perShiftFen: toFen(l.perShift, `${role}.perShift`) }])) as RoleLimits;
  return {
    windowDays: v.windowDays,
    limits,
    noReceipt: { allowed: v.noReceiptAllowed, maxFen: toFen(v.noReceiptMax, 'noReceipt.max') ?? 0 },
    otherStoreReceipts: v.otherStoreReceipts,
    approvalValidMinutes: v.approvalValidMinutes,
  };
}

function PolicyPanel({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [storeCode, setStoreCode] = useState(me.stores[0]?.code ?? '');
  const [policy, setPolicy] = useState<ReturnPolicy | null>(null);
  const [message, setMessage] = useState<Message>(null);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<PolicyValues>();
  // The server checks the store's region too; this only decides whether to offer the form.
  const canEdit = me.permissions.includes('returns.policy');

  useEffect(() => {
    if (!storeCode) return;
    returnsApi
      .policy(storeCode)
      .then((p) => {
        setPolicy(p);
        form.setFieldsValue(toValues(p));
      })
      .catch((err: unknown) => setMessage({ type: 'error', text: problemText(err, t) }));
  }, [storeCode, form, t]);

  const save = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      const saved = await returnsApi.savePolicy(storeCode, toPolicy(values));
      setPolicy(saved);
      form.setFieldsValue(toValues(saved));
      setMessage({ type: 'success', text: t('returnsAdmin.policy.saved') });
    } catch (err) {
      setMessage({ type: 'error', text: problemText(err, t) });
    } finally {
      setSaving(false);
    }
  };

  /** Blank means no limit where the policy allows null. */
  const yuanInput = (testId: string, blankIsUnlimited = true) => (
    <InputNumber min={0} max={100_000_000} precision={2} prefix="¥" placeholder={blankIsUnlimited ? t('returnsAdmin.policy.unlimited') : undefined} style={{ width: 160 }} data-testid={testId} />
  );
  return (
    <Space direction="vertical" style={{ width: '100%', maxWidth: 720 }}>
      {message && <Alert type={message.type} title={message.text} closable onClose={() => setMessage(null)} data-testid="policy-message" />}
      {!canEdit && <Alert type="info" title={t('returnsAdmin.policy.readOnly')} data-testid="policy-readonly" />}
      {me.stores.length > 1 && <Select value={storeCode} onChange={setStoreCode} style={{ width: 240 }} options={me.stores.map((s) => ({ value: s.code, label: `${s.code} · ${s.name}` }))} data-testid="policy-store" />}
      <Form form={form} layout="vertical" disabled={!canEdit || !policy} data-testid="policy-form">
        <Space wrap size="large">
          <Form.Item name="windowDays" label={t('returnsAdmin.policy.windowDays')} rules={[{ required: true }]}>
            <InputNumber min={0} max={3650} precision={0} data-testid="policy-window-days" />
          </Form.Item>
          <Form.Item name="approvalValidMinutes" label={t('returnsAdmin.policy.approvalValidMinutes')} rules={[{ required: true }]}>
            <InputNumber min={1} max={24 * 60} precision={0} data-testid="policy-approval-minutes" />
          </Form.Item>
        </Space>
        <Typography.Title level={5}>{t('returnsAdmin.policy.limits')}</Typography.Title>
        {policy &&
          (Object.keys(policy.limits) as Role[]).map((role) => (
            <Space key={role} wrap size="large" align="end">
              <Typography.Text strong style={{ display: 'inline-block', width: 90, paddingBottom: 30 }}>
                {t(`returns.role.${role}`)}
              </Typography.Text>
              <Form.Item name={['limits', role, 'perReturn']} label={t('returnsAdmin.policy.perReturn')}>
                {yuanInput(`policy-${role}-per-return`)}
              </Form.Item>
              <Form.Item name={['limits', role, 'perShift']} label={t('returnsAdmin.policy.perShift')}>
                {yuanInput(`policy-${role}-per-shift`)}
              </Form.Item>
            </Space>
          ))}
        <Space wrap size="large" align="end">
          <Form.Item name="noReceiptAllowed" label={t('returnsAdmin.policy.noReceiptAllowed')} valuePropName="checked">
            <Switch data-testid="policy-no-receipt" />
          </Form.Item>
          <Form.Item name="noReceiptMax" label={t('returnsAdmin.policy.noReceiptMax')} rules={[{ required: true }]}>
            {yuanInput('policy-no-receipt-max', false)}
          </Form.Item>
          <Form.Item name="otherStoreReceipts" label={t('returnsAdmin.policy.otherStoreReceipts')} valuePropName="checked">
            <Switch data-testid="policy-other-store" />
          </Form.Item>
        </Space>
      </Form>
      <Button type="primary" disabled={!canEdit || !policy} loading={saving} onClick={() => void save()} data-testid="policy-save">
        {t('returnsAdmin.policy.save')}
      </Button>
    </Space>
  );
}
