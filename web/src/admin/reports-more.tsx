// Back office: the report page's sections beside sales — measures (promotions, member share, new
// members, cash over/short, returns by reason), cashier performance, members' repurchase with the
// member list (card numbers and tiers, never phones), and the stored daily reports.
import { useEffect, useState } from 'react';
import { Alert, Card, Col, Input, InputNumber, Row, Select, Space, Statistic, Table } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, problemText } from '../api';
import { formatMoney } from '../money';

const pct = (text: string | null) => (text === null ? '—' : `${text}%`);

/** Loads `url` whenever it changes; the error is shown by the caller. */
function useReport<T>(url: string | null): { data: T | null; error: string | null } {
  const { t } = useTranslation();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!url) return;
    let live = true;
    api<T>('GET', url)
      .then((d) => {
        if (!live) return;
        setData(d);
        setError(null);
      })
      .catch((err: unknown) => live && setError(problemText(err, t)));
    return () => {
      live = false;
    };
  }, [url, t]);
  return { data, error };
}

interface StoreMeasures {
  discountFen: number;
  promotions: Array<{ promotionId: string; name: string; discountFen: number; transactions: number }>;
  otherDiscountFen: number;
  members: { memberNetFen: number; memberTransactions: number; salesSharePct: string | null; transactionsSharePct: string | null };
  newMembers: { total: number };
  cash: { overShortFen: number; overFen: number; shortFen: number; shifts: number };
  returnsByReason: Array<{ reason: string; returnsFen: number; returnCount: number; qty: number }>;
}

export function StoreMeasuresCard({ query }: { query: string }) {
  const { t } = useTranslation();
  const { data, error } = useReport<StoreMeasures>(`/reports/measures?${query}`);
  return (
    <Card title={t('reports.measures')} size="small" data-testid="reports-measures">
      {error && <Alert type="error" title={error} />}
      <Row gutter={16}>
        <Col span={6}>
          <Statistic title={t('reports.memberSalesShare')} value={pct(data?.members.salesSharePct ?? null)} data-testid="reports-member-share" />
        </Col>
        <Col span={6}>
          <Statistic title={t('reports.memberTransactionsShare')} value={pct(data?.members.transactionsSharePct ?? null)} />
        </Col>
        <Col span={6}>
          <Statistic title={t('reports.newMembers')} value={data?.newMembers.total ?? 0} data-testid="reports-new-members" />
        </Col>
        <Col span={6}>
          <Statistic title={t('reports.overShort')} value={formatMoney(data?.cash.overShortFen ?? 0)} data-testid="reports-over-short" />
        </Col>
      </Row>
      <Row gutter={16} style={{ marginTop: 12 }}>
        <Col span={12}>
          <Table
            rowKey="promotionId"
            size="small"
            pagination={false}
            title={() => `${t('reports.discountsByPromotion')} · ${t('reports.otherDiscounts')} ${formatMoney(data?.otherDiscountFen ?? 0)}`}
            dataSource={data?.promotions ?? []}
            columns={[
              { title: t('reports.promotion'), dataIndex: 'name' },
              { title: t('reports.discounts'), dataIndex: 'discountFen', align: 'right', render: formatMoney },
              { title: t('reports.transactions'), dataIndex: 'transactions', align: 'right' },
            ]}
          />
        </Col>
        <Col span={12}>
          <Table
            rowKey="reason"
            size="small"
            pagination={false}
            title={() => t('reports.returnsByReason')}
            dataSource={data?.returnsByReason ?? []}
            columns={[
              { title: t('reports.reason'), dataIndex: 'reason', render: (r: string) => t(`returns.reasons.${r}`, { defaultValue: r }) },
              { title: t('reports.returns'), dataIndex: 'returnsFen', align: 'right', render: formatMoney },
              { title: t('reports.returnCount'), dataIndex: 'returnCount', align: 'right' },
            ]}
          />
        </Col>
      </Row>
    </Card>
  );
}

interface CashierRow {
  cashierId: string;
  username: string;
  name: string;
  netFen: number;
  transactions: number;
  avgTicketFen: number;
  returnCount: number;
  returnsFen: number;
  voids: number;
  avgScanSeconds: string | null;
}

export function CashiersCard({ query }: { query: string }) {
  const { t } = useTranslation();
  const { data, error } = useReport<{ rows: CashierRow[] }>(`/reports/cashiers?${query}`);
  return (
    <Card title={t('reports.cashiers')} size="small" extra={t('reports.scanSpeedNotRecorded')}>
      {error && <Alert type="error" title={error} />}
      <Table<CashierRow>
        rowKey="cashierId"
        size="small"
        pagination={false}
        data-testid="reports-cashiers"
        dataSource={data?.rows ?? []}
        columns={[
          { title: t('reports.cashier'), dataIndex: 'name', render: (name: string, r) => name || r.username },
          { title: t('reports.net'), dataIndex: 'netFen', align: 'right', render: formatMoney },
          { title: t('reports.transactions'), dataIndex: 'transactions', align: 'right' },
          { title: t('reports.avgTicket'), dataIndex: 'avgTicketFen', align: 'right', render: formatMoney },
          { title: t('reports.returnCount'), dataIndex: 'returnCount', align: 'right' },
          { title: t('reports.returns'), dataIndex: 'returnsFen', align: 'right', render: formatMoney },
          { title: t('reports.voids'), dataIndex: 'voids', align: 'right' },
          { title: t('reports.scanSpeed'), dataIndex: 'avgScanSeconds', align: 'right', render: (v: string | null) => (v === null ? '—' : `${v} s`) },
        ]}
      />
    </Card>
  );
}

interface RepurchaseWindow {
  days: number;
  eligible: number;
  returned: number;
  ratePct: string | null;
}
interface RepurchaseGroup {
  key: string;
  label: string;
  members: number;
  windows: RepurchaseWindow[];
}
interface MembersReport {
  asOf: string;
  repurchase: { members: number; windows: RepurchaseWindow[]; byStore: RepurchaseGroup[]; byTier: RepurchaseGroup[] };
  list: { total: number; rows: Array<{ memberId: string; cardNo: string; tierName: string; registeredStore: string; lastVisit: string; visits12m: number; spend12mFen: number }> } | null;
}

export function RepurchaseCard({ query }: { query: string }) {
  const { t } = useTranslation();
  const [tiers, setTiers] = useState<Array<{ code: string; name: string }>>([]);
  const [tier, setTier] = useState('');
  const [lastVisitFrom, setLastVisitFrom] = useState('');
  const [minSpendYuan, setMinSpendYuan] = useState<number | null>(null);
  useEffect(() => {
    api<{ tiers: Array<{ code: string; name: string }> }>('GET', '/members-config')
      .then((c) => setTiers(c.tiers))
      .catch(() => setTiers([]));
  }, []);
  const filters = `${tier ? `&tier=${tier}` : ''}${lastVisitFrom ? `&lastVisitFrom=${lastVisitFrom}` : ''}${minSpendYuan !== null ? `&minSpendFen=${Math.round(minSpendYuan * 100)}` : ''}`;
  const { data, error } = useReport<MembersReport>(`/reports/members?${query}${filters}`);
  const windowColumns = [30, 60, 90].map((days, i) => ({
    title: t('reports.cameBackWithin', { days }),
    key: `w${days}`,
    align: 'right' as const,
    render: (_: unknown, g: RepurchaseGroup) => {
      const w = g.windows[i];
      return w ? `${pct(w.ratePct)} (${w.returned}/${w.eligible})` : '—';
    },
  }));
  const groupColumns = [{ title: t('reports.name'), dataIndex: 'label' }, { title: t('reports.buyers'), dataIndex: 'members', align: 'right' as const }, ...windowColumns];
  return (
    <Card title={t('reports.repurchase')} size="small" data-testid="reports-repurchase">
      {error && <Alert type="error" title={error} />}
      <Row gutter={16}>
        <Col span={6}>
          <Statistic title={t('reports.buyers')} value={data?.repurchase.members ?? 0} />
        </Col>
        {(data?.repurchase.windows ?? []).map((w) => (
          <Col span={6} key={w.days}>
            <Statistic title={t('reports.cameBackWithin', { days: w.days })} value={pct(w.ratePct)} suffix={<small>{`${w.returned}/${w.eligible}`}</small>} data-testid={`reports-repurchase-${w.days}`} />
          </Col>
        ))}
      </Row>
      <Row gutter={16} style={{ marginTop: 12 }}>
        <Col span={12}>
          <Table<RepurchaseGroup> rowKey="key" size="small" pagination={false} title={() => t('reports.byStoreOfFirstVisit')} dataSource={data?.repurchase.byStore ?? []} columns={groupColumns} />
        </Col>
        <Col span={12}>
          <Table<RepurchaseGroup> rowKey="key" size="small" pagination={false} title={() => t('reports.byTier')} dataSource={data?.repurchase.byTier ?? []} columns={groupColumns} />
        </Col>
      </Row>
      {data?.list && (
        <Space direction="vertical" style={{ width: '100%', marginTop: 12 }}>
          <Space wrap>
            <Select value={tier} onChange={setTier} style={{ width: 160 }} options={[{ value: '', label: t('reports.allTiers') }, ...tiers.map((x) => ({ value: x.code, label: x.name }))]} data-testid="reports-members-tier" />
            <span>{t('reports.lastVisitFrom')}</span>
            <Input type="date" value={lastVisitFrom} onChange={(e) => setLastVisitFrom(e.target.value)} style={{ width: 160 }} />
            <InputNumber min={0} value={minSpendYuan} onChange={(v) => setMinSpendYuan(v)} placeholder={t('reports.minSpend')} style={{ width: 180 }} />
          </Space>
          <Table
            rowKey="memberId"
            size="small"
            data-testid="reports-members-list"
            title={() => t('reports.membersFound', { count: data.list?.total ?? 0 })}
            dataSource={data.list.rows}
            pagination={false}
            columns={[
              { title: t('reports.cardNo'), dataIndex: 'cardNo' },
              { title: t('reports.tier'), dataIndex: 'tierName' },
              { title: t('reports.registeredAt'), dataIndex: 'registeredStore' },
              { title: t('reports.lastVisit'), dataIndex: 'lastVisit' },
              { title: t('reports.visits12m'), dataIndex: 'visits12m', align: 'right' },
              { title: t('reports.spend12m'), dataIndex: 'spend12mFen', align: 'right', render: formatMoney },
            ]}
          />
        </Space>
      )}
    </Card>
  );
}

interface DailySummary {
  storeCode: string;
  storeName: string;
  businessDate: string;
  generatedAt: string;
  netFen: number;
  transactions: number;
  notifyStatus: string;
}

export function DailyReportsCard({ query }: { query: string }) {
  const { t } = useTranslation();
  const { data, error } = useReport<{ reports: DailySummary[] }>(`/reports/daily?${query.replace(/&region=[^&]*/, '')}`);
  return (
    <Card title={t('reports.dailyReports')} size="small">
      {error && <Alert type="error" title={error} />}
      <Table<DailySummary>
        rowKey={(r) => `${r.storeCode}|${r.businessDate}`}
        size="small"
        pagination={{ pageSize: 10 }}
        dataSource={data?.reports ?? []}
        columns={[
          { title: t('reports.businessDate'), dataIndex: 'businessDate' },
          { title: t('reports.store'), dataIndex: 'storeName', render: (name: string, r) => `${r.storeCode} · ${name}` },
          { title: t('reports.net'), dataIndex: 'netFen', align: 'right', render: formatMoney },
          { title: t('reports.transactions'), dataIndex: 'transactions', align: 'right' },
          { title: t('reports.notified'), dataIndex: 'notifyStatus', render: (s: string) => t(`reports.notify.${s}`, { defaultValue: s }) },
          {
            title: '',
            key: 'open',
            render: (_: unknown, r) => (
              <a href={`/api/v1/reports/daily/${encodeURIComponent(r.storeCode)}/${r.businessDate}`} target="_blank" rel="noreferrer">
                JSON
              </a>
            ),
          },
        ]}
      />
    </Card>
  );
}
