// Back office: one member — personal data masked (a manager may reveal it), tier and the way to
// the next, the points ledger with the sale or return behind each entry, purchases at the user's
// stores, and the messages sent by SMS or WeChat with their delivery status.
import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Card, Descriptions, Progress, Space, Table, Tabs, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useTranslation } from 'react-i18next';
import { problemText, type Me } from '../api';
import { formatMoney } from '../money';
import { membersApi, type LedgerEntry, type Member, type MemberMessage, type MemberProgress, type MemberSale } from './members-api';

const PAGE_SIZE = 10;
const storeTime = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const when = (iso: string | null) => (iso ? storeTime.format(new Date(iso)) : '—');

/** One page of a member's list from the API, refetched when the page changes. */
function usePaged<T>(load: (limit: number, offset: number) => Promise<{ total: number } & Record<string, unknown>>, key: string, onError: (text: string) => void) {
  const { t } = useTranslation();
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ total: number; rows: T[] }>({ total: 0, rows: [] });
  const [loading, setLoading] = useState(false);
  useEffect(() => {
    setLoading(true);
    load(PAGE_SIZE, (page - 1) * PAGE_SIZE)
      .then((r) => setData({ total: r.total, rows: r[key] as T[] }))
      .catch((err: unknown) => onError(problemText(err, t)))
      .finally(() => setLoading(false));
  }, [load, key, page, onError, t]);
  return { loading, dataSource: data.rows, pagination: { current: page, pageSize: PAGE_SIZE, total: data.total, onChange: setPage, showSizeChanger: false } };
}

export function MemberDetail({ me, memberId, onBack }: { me: Me; memberId: string; onBack: () => void }) {
  const { t } = useTranslation();
  const [member, setMember] = useState<Member | null>(null);
  const [progress, setProgress] = useState<MemberProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const manager = me.permissions.includes('members.manage');
  const onError = useCallback((text: string) => setError(text), []);

  useEffect(() => {
    Promise.all([membersApi.get(memberId), membersApi.progress(memberId)]).then(([m, p]) => {
      setMember(m);
      setProgress(p);
    }, (err: unknown) => setError(problemText(err, t)));
  }, [memberId, t]);

  const points = usePaged<LedgerEntry>(useCallback((l: number, o: number) => membersApi.points(memberId, l, o), [memberId]), 'entries', onError);
  const sales = usePaged<MemberSale>(useCallback((l: number, o: number) => membersApi.sales(memberId, l, o), [memberId]), 'sales', onError);
  const messages = usePaged<MemberMessage>(useCallback((l: number, o: number) => membersApi.messages(memberId, l, o), [memberId]), 'messages', onError);

  const reveal = async () => {
    try {
      setMember(await membersApi.reveal(memberId));
    } catch (err) {
      setError(problemText(err, t));
    }
  };

  const next = progress?.nextTier;
  const pointsColumns: ColumnsType<LedgerEntry> = [
    { title: t('members.detail.at'), render: (_, e) => when(e.at) },
    { title: t('members.detail.reason'), render: (_, e) => t(`portal.kinds.${e.kind}`, { defaultValue: e.kind }) },
    { title: t('members.detail.points'), align: 'right', render: (_, e) => <span data-testid="member-ledger-points">{e.points > 0 ? `+${e.points}` : e.points}</span> },
    {
      title: t('members.detail.document'),
      render: (_, e) =>
        e.receiptUrl ? (
          <a href={e.receiptUrl} target="_blank" rel="noreferrer">
            {e.receiptNo}
          </a>
        ) : e.returnNo ? (
          `${t('members.detail.return')} ${e.returnNo}（${e.receiptNo ?? '—'}）`
        ) : (
          e.docId
        ),
    },
  ];
  const salesColumns: ColumnsType<MemberSale> = [
    { title: t('members.detail.at'), render: (_, s) => when(s.createdAt) },
    { title: t('members.detail.store'), render: (_, s) => `${s.storeCode} · ${s.storeName}` },
    {
      title: t('members.detail.receipt'),
      render: (_, s) => (
        <a href={s.receiptUrl} target="_blank" rel="noreferrer" data-testid="member-sale-receipt">
          {s.receiptNo}
        </a>
      ),
    },
    { title: t('members.detail.total'), align: 'right', render: (_, s) => <span data-testid="member-sale-total">{formatMoney(s.totalFen)}</span> },
  ];
  const messageColumns: ColumnsType<MemberMessage> = [
    { title: t('members.detail.at'), render: (_, m) => when(m.createdAt) },
    { title: t('members.detail.kind'), render: (_, m) => t(`members.detail.kinds.${m.kind.split(':')[0] ?? ''}`, { defaultValue: m.kind }) },
    { title: t('members.detail.channel'), render: (_, m) => <Tag color={m.channel === 'wechat' ? 'green' : 'blue'}>{t(`members.detail.channels.${m.channel}`, { defaultValue: m.channel })}</Tag> },
    { title: t('members.detail.status'), render: (_, m) => <Tag color={m.status === 'sent' ? 'success' : m.status === 'dead' ? 'error' : 'processing'}>{t(`members.detail.statuses.${m.status}`, { defaultValue: m.status })}</Tag> },
    { title: t('members.detail.attempts'), dataIndex: 'attempts', align: 'right' },
    { title: t('members.detail.sentAt'), render: (_, m) => when(m.sentAt) },
    { title: t('members.detail.body'), render: (_, m) => <Typography.Text ellipsis={{ tooltip: m.body }} style={{ maxWidth: 280 }}>{m.body}</Typography.Text> },
    { title: t('members.detail.lastError'), render: (_, m) => m.lastError ?? '' },
  ];

  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="member-detail">
      <Button onClick={onBack} data-testid="member-detail-back">
        {t('members.detail.back')}
      </Button>
      {error && <Alert type="error" title={error} closable onClose={() => setError(null)} />}
      {member && (
        <Card
          title={
            <Space>
              <span data-testid="member-detail-card">{member.cardNo}</span>
              <Tag color={member.status === 'active' ? 'green' : 'default'}>{t(`members.status.${member.status}`)}</Tag>
              {member.wechatBound && <Tag color="green">{t('members.detail.wechatBound')}</Tag>}
            </Space>
          }
          extra={
            manager && member.status === 'active' ? (
              <Button onClick={() => void reveal()} data-testid="member-detail-reveal">
                {t('members.admin.reveal')}
              </Button>
            ) : null
          }
        >
          <Descriptions column={3} size="small">
            <Descriptions.Item label={t('members.phone')}>
              <span data-testid="member-detail-phone">{member.phone ?? '—'}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('members.name')}>{member.name ?? '—'}</Descriptions.Item>
            {member.birthday && <Descriptions.Item label={t('members.birthday')}>{member.birthday}</Descriptions.Item>}
            <Descriptions.Item label={t('members.tier')}>
              <span data-testid="member-detail-tier">{member.tier.name}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('members.detail.tierSince')}>{when(progress?.tierSince ?? null)}</Descriptions.Item>
            <Descriptions.Item label={t('members.points.balance')}>
              <span data-testid="member-detail-points">{member.pointsBalance}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('members.admin.since')}>{when(member.createdAt)}</Descriptions.Item>
            {progress && <Descriptions.Item label={t('members.detail.spend12')}>{t('members.detail.activity', { amount: formatMoney(progress.spendFen), visits: progress.visits })}</Descriptions.Item>}
          </Descriptions>
          {next && (
            <div data-testid="member-detail-progress" style={{ maxWidth: 480 }}>
              {next.minSpendFen !== null && <Progress percent={Math.min(100, Math.floor((next.spendFen * 100) / Math.max(1, next.minSpendFen)))} size="small" />}
              <Typography.Text type="secondary">
                {next.missingFen !== null ? t('members.detail.nextBySpend', { tier: next.name, amount: formatMoney(next.missingFen) }) : t('members.detail.nextByVisits', { tier: next.name, visits: next.missingVisits ?? 0 })}
              </Typography.Text>
            </div>
          )}
        </Card>
      )}
      <Tabs
        items={[
          { key: 'points', label: t('members.detail.ledger'), children: <Table rowKey="id" size="small" columns={pointsColumns} {...points} data-testid="member-ledger" /> },
          { key: 'sales', label: <span data-testid="member-detail-tab-sales">{t('members.detail.sales')}</span>, children: <Table rowKey="id" size="small" columns={salesColumns} {...sales} data-testid="member-sales" /> },
          { key: 'messages', label: <span data-testid="member-detail-tab-messages">{t('members.detail.messages')}</span>, children: <Table rowKey="id" size="small" columns={messageColumns} {...messages} data-testid="member-messages" /> },
        ]}
      />
    </Space>
  );
}
