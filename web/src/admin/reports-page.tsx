// Back office: sales reports (filters, totals with comparisons, a chart, a day × hour heat map, a
// table, CSV/XLSX downloads) and the manager's dashboard (today so far against last week).
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Alert, Breadcrumb, Button, Card, Col, Empty, Input, Row, Select, Space, Statistic, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, problemText, type Me } from '../api';
import { formatMoney } from '../money';
import { EChart, type ChartOption } from './echart';
import { CashiersCard, DailyReportsCard, RepurchaseCard, StoreMeasuresCard } from './reports-more';

const BYS = ['day', 'week', 'month', 'region', 'store', 'category', 'product', 'cashier', 'payment', 'hour'] as const;
type By = (typeof BYS)[number];

interface Line {
  key: string;
  label: string;
  grossFen: number;
  discountFen: number;
  returnsFen: number;
  netFen: number;
  costFen: number;
  transactions: number;
  avgTicketFen: number;
  itemsPerBasket: string;
  marginFen: number;
  marginPct: string | null;
  sharePct: string | null;
  /** What opening this row shows (region → store → category → product). */
  drill?: { by: 'store' | 'category' | 'product'; region?: string; store?: string; category?: string };
}
interface Category {
  id: string;
  code: string;
  name: string;
  parentId: string | null;
}
interface Changes {
  netFen: string | null;
  transactions: string | null;
  avgTicketFen: string | null;
}
interface SalesReport {
  rows: Line[];
  totals: Line;
  taxByRate: Array<{ rate: string; grossFen: number; taxFen: number }>;
  paymentMix: Array<{ method: string; netFen: number; sharePct: string | null }>;
  comparison: { previous: { from: string; to: string; changePct: Changes }; lastYear: { from: string; to: string; changePct: Changes } };
}
interface SellerRow {
  code: string;
  name: string;
  qty: number;
  netFen: number;
  onHand?: number;
}
interface Dashboard {
  date: string;
  compareDate: string;
  today: Line;
  lastWeek: Line;
  changePct: Changes;
  hours: Array<{ hour: string; netFen: number; lastWeekNetFen: number }>;
  top: SellerRow[];
  slow: SellerRow[];
  paymentMix: Array<{ method: string; netFen: number; sharePct: string | null }>;
  openExceptions: number;
}

/** Categories in tree order: each parent followed by its children. */
function tree(categories: Category[]): Category[] {
  const byCode = (a: Category, b: Category) => (a.code < b.code ? -1 : 1);
  const ids = new Set(categories.map((c) => c.id));
  const under = (parentId: string | null): Category[] =>
    categories
      .filter((c) => (parentId === null ? c.parentId === null || !ids.has(c.parentId) : c.parentId === parentId))
      .sort(byCode)
      .flatMap((c) => [c, ...under(c.id)]);
  return under(null);
}

function todayInShanghai(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
}

const yuan = (fen: number) => Number((fen / 100).toFixed(2));
const pct = (text: string | null) => (text === null ? '—' : `${text}%`);

function Change({ label, value }: { label: string; value: string | null }) {
  const color = value === null ? undefined : value.startsWith('-') ? '#cf1322' : '#3f8600';
  return <Typography.Text style={{ color }}>{`${label} ${value === null ? '—' : `${value.startsWith('-') ? '' : '+'}${value}%`}`}</Typography.Text>;
}

interface View {
  by: By;
  region: string;
  store: string;
  category: string;
}

export function ReportsPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const today = todayInShanghai();
  const [from, setFrom] = useState(`${today.slice(0, 8)}01`);
  const [to, setTo] = useState(today);
  const [view, setView] = useState<View>({ by: 'day', region: '', store: me.stores.length === 1 ? (me.stores[0]?.code ?? '') : '', category: '' });
  // The drill-down so far: each step remembers the view it left and what the breadcrumb calls it.
  const [trail, setTrail] = useState<Array<{ view: View; label: string }>>([]);
  const [here, setHere] = useState('');
  const [categories, setCategories] = useState<Category[]>([]);
  const [report, setReport] = useState<SalesReport | null>(null);
  const [heat, setHeat] = useState<Array<{ date: string; hour: string; netFen: number }>>([]);
  const [error, setError] = useState<string | null>(null);
  const { by } = view;

  useEffect(() => {
    api<{ categories: Category[] }>('GET', '/categories')
      .then((r) => setCategories(r.categories))
      .catch((err: unknown) => setError(problemText(err, t)));
  }, [t]);

  const scope = `from=${from}&to=${to}${view.store ? `&store=${encodeURIComponent(view.store)}` : ''}${view.region ? `&region=${encodeURIComponent(view.region)}` : ''}`;
  const query = `${scope}${view.category ? `&category=${encodeURIComponent(view.category)}` : ''}&by=${by}`;
  const load = useCallback(async () => {
    try {
      setError(null);
      setReport(await api<SalesReport>('GET', `/reports/sales?${query}`));
      setHeat((await api<{ cells: Array<{ date: string; hour: string; netFen: number }> }>('GET', `/reports/heatmap?from=${from}&to=${to}${view.store ? `&store=${encodeURIComponent(view.store)}` : ''}`)).cells);
    } catch (err) {
      setError(problemText(err, t));
    }
  }, [query, from, to, view.store, t]);
  useEffect(() => {
    void load();
  }, [load]);

  /** A filter chosen by hand starts a new drill-down. */
  const choose = (change: Partial<View>) => {
    setTrail([]);
    setHere('');
    setView({ ...view, ...change });
  };
  const drillInto = (row: Line | undefined) => {
    if (!row?.drill) return;
    const { drill } = row;
    setTrail([...trail, { view, label: here || t('reports.drillStart') }]);
    setHere(row.label || row.key);
    setView({ by: drill.by, region: drill.region ?? view.region, store: drill.store ?? view.store, category: drill.category ?? view.category });
  };
  const backTo = (index: number) => {
    const step = trail[index];
    if (!step) return;
    setView(step.view);
    setHere(index === 0 ? '' : step.label);
    setTrail(trail.slice(0, index));
  };

  const chart = useMemo<ChartOption>(() => {
    const rows = report?.rows ?? [];
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0, data: [t('reports.net'), t('reports.transactions')] },
      grid: { left: 60, right: 60, bottom: 60 },
      xAxis: { type: 'category', data: rows.map((r) => r.label || r.key), axisLabel: { rotate: rows.length > 8 ? 30 : 0 } },
      yAxis: [{ type: 'value', name: '¥' }, { type: 'value', name: t('reports.transactions') }],
      series: [
        { name: t('reports.net'), type: 'bar', data: rows.map((r) => yuan(r.netFen)) },
        { name: t('reports.transactions'), type: 'line', yAxisIndex: 1, data: rows.map((r) => r.transactions) },
      ],
    };
  }, [report, t]);

  const heatmap = useMemo<ChartOption>(() => {
    const dates = [...new Set(heat.map((c) => c.date))].sort();
    const hours = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));
    const max = Math.max(1, ...heat.map((c) => yuan(c.netFen)));
    return {
      tooltip: { position: 'top' },
      grid: { left: 90, right: 20, bottom: 70 },
      xAxis: { type: 'category', data: hours, splitArea: { show: true } },
      yAxis: { type: 'category', data: dates, splitArea: { show: true } },
      visualMap: { min: 0, max, calculable: true, orient: 'horizontal', left: 'center', bottom: 0 },
      series: [{ name: t('reports.net'), type: 'heatmap', data: heat.map((c) => [hours.indexOf(c.hour), dates.indexOf(c.date), yuan(c.netFen)]) }],
    };
  }, [heat, t]);

  const totals = report?.totals;
  const download = (format: 'csv' | 'xlsx') => `/api/v1/reports/sales?${query}&format=${format}`;
  const depth = (c: Category): number => (c.parentId ? 1 + depth(categories.find((p) => p.id === c.parentId) ?? { ...c, parentId: null }) : 0);
  const categoryOptions = [{ value: '', label: t('reports.allCategories') }, ...tree(categories).map((c) => ({ value: c.code, label: `${'　'.repeat(depth(c))}${c.code} · ${c.name}` }))];
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="reports-page">
      {error && <Alert type="error" title={error} data-testid="reports-error" />}
      <Space wrap>
        <Input type="date" value={from} onChange={(e) => setFrom(e.target.value)} style={{ width: 160 }} data-testid="reports-from" />
        <Input type="date" value={to} onChange={(e) => setTo(e.target.value)} style={{ width: 160 }} data-testid="reports-to" />
        <Select value={by} onChange={(value: By) => choose({ by: value })} style={{ width: 140 }} options={BYS.map((b) => ({ value: b, label: t(`reports.by.${b}`) }))} data-testid="reports-by" />
        <Select
          value={view.store}
          onChange={(value: string) => choose({ store: value, region: '' })}
          style={{ width: 200 }}
          options={[...(me.stores.length > 1 ? [{ value: '', label: t('reports.allStores') }] : []), ...me.stores.map((s) => ({ value: s.code, label: `${s.code} · ${s.name}` }))]}
          data-testid="reports-store"
        />
        <Select showSearch={{ optionFilterProp: 'label' }} value={view.category} onChange={(value: string) => choose({ category: value })} style={{ width: 220 }} options={categoryOptions} data-testid="reports-category" />
        <Button href={download('csv')} data-testid="reports-csv">
          {t('reports.downloadCsv')}
        </Button>
        <Button href={download('xlsx')} data-testid="reports-xlsx">
          {t('reports.downloadXlsx')}
        </Button>
      </Space>
      {trail.length > 0 && (
        <Breadcrumb
          data-testid="reports-breadcrumb"
          items={[
            ...trail.map((step, i) => ({
              title: (
                <Typography.Link onClick={() => backTo(i)} data-testid={`reports-crumb-${i}`}>
                  {step.label}
                </Typography.Link>
              ),
            })),
            { title: here },
          ]}
        />
      )}
      <Row gutter={16}>
        <Col span={6}>
          <Card>
            <Statistic title={t('reports.net')} value={formatMoney(totals?.netFen ?? 0)} data-testid="reports-net" />
            {report && <Change label={t('reports.vsPrevious')} value={report.comparison.previous.changePct.netFen} />}
            <br />
            {report && <Change label={t('reports.vsLastYear')} value={report.comparison.lastYear.changePct.netFen} />}
          </Card>
        </Col>
        <Col span={6}>
          <Card>
            <Statistic title={t('reports.transactions')} value={totals?.transactions ?? 0} data-testid="reports-transactions" />
          </Card>
        </Col>
        <Col span={6}>
          <Card>
            <Statistic title={t('reports.avgTicket')} value={formatMoney(totals?.avgTicketFen ?? 0)} data-testid="reports-avg-ticket" />
          </Card>
        </Col>
        <Col span={6}>
          <Card>
            <Statistic title={t('reports.marginPct')} value={pct(totals?.marginPct ?? null)} />
          </Card>
        </Col>
      </Row>
      <Card title={`${t(`reports.by.${by}`)}${report?.rows.some((r) => r.drill) ? ` · ${t('reports.drillHint')}` : ''}`}>
        <EChart option={chart} testId="reports-chart" onClick={(i) => drillInto(report?.rows[i])} />
      </Card>
      <Card title={t('reports.heatmap')}>
        <EChart option={heatmap} height={Math.max(240, 60 + 22 * new Set(heat.map((c) => c.date)).size)} testId="reports-heatmap" />
      </Card>
      <Table<Line>
        rowKey="key"
        size="small"
        data-testid="reports-table"
        dataSource={report?.rows ?? []}
        pagination={{ pageSize: 31 }}
        onRow={(row) => (row.drill ? { onClick: () => drillInto(row), style: { cursor: 'pointer' } } : {})}
        columns={[
          { title: t('reports.key'), dataIndex: 'key' },
          { title: t('reports.name'), dataIndex: 'label', render: (label: string) => label || '—' },
          { title: t('reports.gross'), dataIndex: 'grossFen', align: 'right', render: formatMoney },
          { title: t('reports.discounts'), dataIndex: 'discountFen', align: 'right', render: formatMoney },
          { title: t('reports.returns'), dataIndex: 'returnsFen', align: 'right', render: formatMoney },
          { title: t('reports.net'), dataIndex: 'netFen', align: 'right', render: formatMoney },
          { title: t('reports.transactions'), dataIndex: 'transactions', align: 'right' },
          { title: t('reports.avgTicket'), dataIndex: 'avgTicketFen', align: 'right', render: formatMoney },
          { title: t('reports.itemsPerBasket'), dataIndex: 'itemsPerBasket', align: 'right' },
          { title: t('reports.margin'), dataIndex: 'marginFen', align: 'right', render: formatMoney },
          { title: t('reports.marginPct'), dataIndex: 'marginPct', align: 'right', render: pct },
          { title: t('reports.share'), dataIndex: 'sharePct', align: 'right', render: pct },
        ]}
      />
      {report && (
        <Card title={t('reports.tax')} size="small">
          {report.taxByRate.map((g) => (
            <div key={g.rate}>{`${Number(g.rate) * 100}%: ${formatMoney(g.grossFen)} · ${t('reports.taxAmount')} ${formatMoney(g.taxFen)}`}</div>
          ))}
        </Card>
      )}
      {view.category && <Typography.Text type="secondary">{t('reports.sectionsNotByCategory')}</Typography.Text>}
      <StoreMeasuresCard query={scope} />
      <CashiersCard query={scope} />
      <RepurchaseCard query={scope} />
      <DailyReportsCard query={scope} />
    </Space>
  );
}

export function DashboardPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [store, setStore] = useState(me.stores.length === 1 ? (me.stores[0]?.code ?? '') : '');
  const [data, setData] = useState<Dashboard | null>(null);
  const [error, setError] = useState<string | null>(null);
  const canView = me.permissions.includes('reports.view');
  useEffect(() => {
    if (!canView) return;
    api<Dashboard>('GET', `/reports/dashboard${store ? `?store=${encodeURIComponent(store)}` : ''}`)
      .then(setData)
      .catch((err: unknown) => setError(problemText(err, t)));
  }, [store, canView, t]);
  const hours = useMemo<ChartOption>(() => {
    const rows = (data?.hours ?? []).filter((h) => Number(h.hour) >= 6 && Number(h.hour) <= 23);
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0, data: [t('reports.today'), t('reports.lastWeek')] },
      xAxis: { type: 'category', data: rows.map((h) => `${h.hour}:00`) },
      yAxis: { type: 'value', name: '¥' },
      series: [
        { name: t('reports.today'), type: 'bar', data: rows.map((h) => yuan(h.netFen)) },
        { name: t('reports.lastWeek'), type: 'line', data: rows.map((h) => yuan(h.lastWeekNetFen)) },
      ],
    };
  }, [data, t]);
  const mix = useMemo<ChartOption>(
    () => ({ tooltip: { trigger: 'item' }, series: [{ type: 'pie', radius: '70%', data: (data?.paymentMix ?? []).map((p) => ({ name: t(`reports.method.${p.method}`, { defaultValue: p.method }), value: yuan(p.netFen) })) }] }),
    [data, t],
  );
  if (!canView) return null;
  // Number headers on one line: the three tables share a row, a third of the page each.
  const nowrap = () => ({ style: { whiteSpace: 'nowrap' as const } });
  const sellerColumns = [
    { title: t('reports.name'), dataIndex: 'name' },
    { title: t('reports.qty'), dataIndex: 'qty', align: 'right' as const, onHeaderCell: nowrap },
    { title: t('reports.net'), dataIndex: 'netFen', align: 'right' as const, render: formatMoney, onHeaderCell: nowrap },
  ];
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="dashboard-page">
      {error && <Alert type="error" title={error} />}
      {me.stores.length > 1 && (
        <Select value={store} onChange={setStore} style={{ width: 200 }} options={[{ value: '', label: t('reports.allStores') }, ...me.stores.map((s) => ({ value: s.code, label: `${s.code} · ${s.name}` }))]} />
      )}
      <Row gutter={16}>
        <Col span={6}>
          <Card>
            <Statistic title={`${t('reports.todayNet')} (${data?.date ?? ''})`} value={formatMoney(data?.today.netFen ?? 0)} data-testid="dashboard-net" />
            {data && <Change label={t('reports.vsLastWeek')} value={data.changePct.netFen} />}
          </Card>
        </Col>
        <Col span={6}>
          <Card>
            <Statistic title={t('reports.transactions')} value={data?.today.transactions ?? 0} data-testid="dashboard-transactions" />
          </Card>
        </Col>
        <Col span={6}>
          <Card>
            <Statistic title={t('reports.avgTicket')} value={formatMoney(data?.today.avgTicketFen ?? 0)} />
          </Card>
        </Col>
        <Col span={6}>
          <Card>
            <Statistic title={t('reports.openExceptions')} value={data?.openExceptions ?? 0} data-testid="dashboard-exceptions" />
          </Card>
        </Col>
      </Row>
      <Card title={t('reports.byHour')}>
        <EChart option={hours} testId="dashboard-hours" />
      </Card>
      <Row gutter={16}>
        <Col span={8}>
          <Card title={t('reports.top')} size="small">
            <Table<SellerRow> rowKey="code" size="small" pagination={false} dataSource={data?.top ?? []} columns={sellerColumns} data-testid="dashboard-top" />
          </Card>
        </Col>
        <Col span={8}>
          <Card title={t('reports.slow')} size="small">
            <Table<SellerRow> rowKey="code" size="small" pagination={false} dataSource={data?.slow ?? []} columns={[...sellerColumns, { title: t('reports.onHand'), dataIndex: 'onHand', align: 'right' as const, onHeaderCell: nowrap }]} />
          </Card>
        </Col>
        <Col span={8}>
          <Card title={t('reports.paymentMix')} size="small">
            {data?.paymentMix.length ? <EChart option={mix} height={240} testId="dashboard-mix" /> : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('reports.noSalesToday')} data-testid="dashboard-mix-empty" />}
          </Card>
        </Col>
      </Row>
    </Space>
  );
}
