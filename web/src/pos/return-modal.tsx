// 退货 at the till: scan the receipt, pick lines and quantities, see the refund and where it goes
// back to; above the cashier's limit a supervisor approves with their own PIN here, or the
// request goes to the back office and the till waits for the answer.
import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Descriptions, Input, InputNumber, Modal, Result, Select, Space, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { problemText } from '../api';
import { formatMoney } from '../money';
import { tillApi, type Approval, type ReceiptForReturn, type ReturnDone, type ReturnQuote, type ReturnRequest } from './till-api';

const REASONS = ['changed_mind', 'defective', 'expired', 'wrong_item', 'not_as_described', 'other'] as const;
const APPROVAL_POLL_MS = 2_000;

interface Props {
  open: boolean;
  /** A receipt number scanned into the till's scan box, to start with. */
  receiptNo: string;
  onClose: () => void;
}

export function ReturnModal({ open, receiptNo: initialReceipt, onClose }: Props) {
  const { t } = useTranslation();
  const [receiptNo, setReceiptNo] = useState(initialReceipt);
  const [receipt, setReceipt] = useState<ReceiptForReturn | null>(null);
  const [qty, setQty] = useState<Record<number, number>>({});
  const [reason, setReason] = useState<(typeof REASONS)[number]>('changed_mind');
  const [quote, setQuote] = useState<ReturnQuote | null>(null);
  const [approval, setApproval] = useState<Approval | null>(null);
  const [approver, setApprover] = useState({ username: '', pin: '' });
  const [done, setDone] = useState<ReturnDone | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const idempotencyKey = useRef(crypto.randomUUID());

  useEffect(() => {
    if (!open) return;
    setReceiptNo(initialReceipt);
    setReceipt(null);
    setQty({});
    setQuote(null);
    setApproval(null);
    setDone(null);
    setError(null);
    idempotencyKey.current = crypto.randomUUID();
    if (initialReceipt) void lookUp(initialReceipt);
  }, [open, initialReceipt]);

  const run = async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    try {
      const out = await fn();
      setError(null);
      return out;
    } catch (err) {
      setError(problemText(err, t));
      return undefined;
    } finally {
      setBusy(false);
    }
  };

  const request = (): ReturnRequest => ({
    receiptNo: receipt?.receiptNo,
    reasonCode: reason,
    lines: Object.entries(qty)
      .filter(([, q]) => q > 0)
      .map(([lineNo, q]) => ({ lineNo: Number(lineNo), qty: q })),
  });

  const lookUp = async (no: string) => {
    const found = await run(() => tillApi.receiptForReturn(no.trim()));
    if (found) {
      setReceipt(found);
      setQty({});
      setQuote(null);
    }
  };

  const calculate = async () => {
    const q = await run(() => tillApi.quoteReturn(request()));
    if (q) {
      setQuote(q);
      setApproval(null);
    }
  };

  const finish = async (approvalId?: string) => {
    const out = await run(() => tillApi.takeReturn({ ...request(), ...(approvalId ? { approvalId } : {}) }, idempotencyKey.current));
    if (out) setDone(out);
  };

  // A remote request: ask the back office, then wait for its answer without reloading.
  useEffect(() => {
    if (!approval || approval.status !== 'pending') return;
    const timer = setInterval(() => {
      void tillApi
        .approval(approval.id)
        .then((next) => {
          if (next.status === 'pending') return;
          setApproval(next);
          if (next.status === 'approved') void finish(next.id);
        })
        .catch((err: unknown) => setError(problemText(err, t)));
    }, APPROVAL_POLL_MS);
    return () => clearInterval(timer);
  }, [approval]);

  const needsApproval = quote && !quote.decision.ok && quote.decision.code === 'APPROVAL_REQUIRED';
  const role = quote?.decision.requiredRole ? t(`returns.role.${quote.decision.requiredRole}`) : '';
  return (
    <Modal open={open} title={t('returns.title')} width={760} footer={null} onCancel={onClose} destroyOnHidden>
      {error && <Alert type="error" title={error} style={{ marginBottom: 12 }} data-testid="return-error" />}
      {done ? (
        <Result
          status={done.status === 'completed' ? 'success' : 'warning'}
          title={done.status === 'completed' ? t('returns.done') : t('returns.refundFailed')}
          subTitle={`${done.returnNo} · ${t('returns.refund')} ${formatMoney(done.refundFen)}`}
          extra={
            <Space direction="vertical" data-testid="return-done">
              {done.refunds.map((r) => (
                <Typography.Text key={r.id} data-testid={`return-refund-${r.method}`}>
                  {t(`returns.method.${r.method}`, { defaultValue: r.method })}: {formatMoney(r.amountFen)} · {t(`returns.status.${r.status}`, { defaultValue: r.status })}
                  {r.message ? ` (${r.message})` : ''}
                </Typography.Text>
              ))}
              <Button type="primary" onClick={onClose} data-testid="return-close">
                {t('pos.confirm')}
              </Button>
            </Space>
          }
        />
      ) : (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Input.Search
            autoFocus
            value={receiptNo}
            placeholder={t('returns.receiptPlaceholder')}
            enterButton={t('returns.find')}
            onChange={(e) => setReceiptNo(e.target.value)}
            onSearch={(v) => void lookUp(v)}
            data-testid="return-receipt"
          />
          {receipt && (
            <>
              <Table
                size="small"
                pagination={false}
                rowKey="lineNo"
                dataSource={receipt.lines}
                data-testid="return-lines"
                columns={[
                  { title: t('pos.product'), dataIndex: 'name' },
                  { title: t('returns.sold'), dataIndex: 'qty', width: 70 },
                  { title: t('returns.left'), dataIndex: 'remaining', width: 70 },
                  { title: t('pos.amount'), dataIndex: 'totalFen', width: 100, render: (v: number) => formatMoney(v) },
                  {
                    title: t('returns.qty'),
                    width: 110,
                    render: (_: unknown, line) => (
                      <InputNumber
                        min={0}
                        max={line.remaining}
                        precision={0}
                        disabled={line.remaining === 0}
                        value={qty[line.lineNo] ?? 0}
                        onChange={(v) => {
                          setQty({ ...qty, [line.lineNo]: Number(v ?? 0) });
                          setQuote(null);
                        }}
                        data-testid={`return-qty-${line.lineNo}`}
                      />
                    ),
                  },
                ]}
              />
              <Space>
                <Typography.Text>{t('returns.reason')}</Typography.Text>
                <Select
                  style={{ width: 200 }}
                  value={reason}
                  onChange={(v) => {
                    setReason(v);
                    setQuote(null);
                  }}
                  options={REASONS.map((r) => ({ value: r, label: t(`returns.reasons.${r}`) }))}
                  data-testid="return-reason"
                />
                <Button onClick={() => void calculate()} loading={busy} disabled={request().lines.length === 0} data-testid="return-quote">
                  {t('returns.calculate')}
                </Button>
              </Space>
            </>
          )}
          {quote && (
            <Descriptions bordered size="small" column={1}>
              <Descriptions.Item label={t('returns.refund')}>
                <Typography.Text strong style={{ fontSize: 20 }} data-testid="return-amount">
                  {formatMoney(quote.refundFen)}
                </Typography.Text>
              </Descriptions.Item>
              <Descriptions.Item label={t('returns.backTo')}>{quote.refunds.map((r) => `${t(`returns.method.${r.method}`, { defaultValue: r.method })} ${formatMoney(r.amountFen)}`).join(' · ') || '—'}</Descriptions.Item>
            </Descriptions>
          )}
          {quote && quote.decision.ok && (
            <Button type="primary" size="large" block loading={busy} onClick={() => void finish()} data-testid="return-confirm">
              {t('returns.confirm')}
            </Button>
          )}
          {quote && !quote.decision.ok && !needsApproval && <Alert type="error" title={quote.decision.message ?? quote.decision.code} />}
          {needsApproval && (
            <Alert
              type="warning"
              data-testid="return-needs-approval"
              title={t('returns.needsApproval', { role })}
              description={
                approval?.status === 'pending' ? (
                  <Typography.Text data-testid="return-waiting">{t('returns.waitingRemote')}</Typography.Text>
                ) : approval?.status === 'rejected' ? (
                  <Typography.Text type="danger">{t('returns.rejected', { note: approval.note ?? '' })}</Typography.Text>
                ) : (
                  <Space wrap>
                    <Input style={{ width: 140 }} placeholder={t('returns.approver')} value={approver.username} onChange={(e) => setApprover({ ...approver, username: e.target.value })} data-testid="approver-username" />
                    <Input.Password style={{ width: 120 }} placeholder={t('login.pinLabel')} value={approver.pin} onChange={(e) => setApprover({ ...approver, pin: e.target.value })} data-testid="approver-pin" />
                    <Button
                      type="primary"
                      loading={busy}
                      data-testid="approver-submit"
                      onClick={() =>
                        void run(async () => {
                          const granted = await tillApi.approveAtTill(request(), approver);
                          setApprover({ username: '', pin: '' });
                          await finish(granted.id);
                        })
                      }
                    >
                      {t('returns.approveHere')}
                    </Button>
                    <Button onClick={() => void run(async () => setApproval(await tillApi.askApproval(request())))} data-testid="approval-remote">
                      {t('returns.askRemote')}
                    </Button>
                  </Space>
                )
              }
            />
          )}
        </Space>
      )}
    </Modal>
  );
}
