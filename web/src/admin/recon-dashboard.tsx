// Back office: the reconciliation dashboard of a business date — matched share per store × channel,
// each channel's gross, fees, refunds and net with the money still in transit, exceptions by code,
// a month calendar of the days with open exceptions, the last 14 days' trend, and the exception
// list as XLSX or CSV.
import { useEffect, useMemo, useState } from 'react';
import { Alert, Button, Card, Col, Row, Space, Statistic, Table, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, problemText } from '../api';
import { formatMoney } from '../money';
import { EChart, type ChartOption } from './echart';

interface Counts {
  matched: number;
  pending: number;
  exceptions: number;
}
export interface ChannelMoney {
  channel: string;
  count: number;
  grossFen: number;
  feeFen: number;
  refundFen: number;
  netFen: number;
  inTransitFen: number;
}
export interface DashboardRun {
  date: string;
  summary: Counts;
  stores: Array<Counts & { storeCode: string | null; channel: string }>;
  channels?: ChannelMoney[];
  inTransitFen?: number;
  exceptions: Array<{ code: string; amountFen: number }>;
}
interface CalendarDay {
  date: string;
  open: number;
  total: number;
  openAmountFen: number;
}
interface TrendPoint extends Counts {
  date: string;
  matchedPct: number | null;
}

/** matched ÷ all, one decimal; null when there is nothing to count. */
function matchedPct(c: Counts): number | null {
  const all = c.matched + c.pending + c.exceptions;
  return all === 0 ? null : Math.round((c.matched / all) * 1000) / 10;
}

/** The days of `month` (YYYY-MM) laid out in weeks starting Monday, with blanks before the 1st. */
function monthGrid(month: string): Array<Array<string | null>> {
  const [y = 2000, m = 1] = month.split('-').map(Number);
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const lead = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7;
  const cells: Array<string | null> = [...Array<null>(lead).fill(null), ...Array.from({ length: days }, (_x, i) => `${month}-${String(i + 1).padStart(2, '0')}`)];
  const weeks: Array<Array<string | null>> = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return weeks;
}

/**
 * `store`: a store's code to show that store's days (its calendar and trend), '' for the chain's.
 * `exportFilter`: the exception list's filters as query parameters, so the export is what the list shows.
 */
export function ReconDashboard({ run, date, onPickDate, store = '', exportFilter = '' }: { run: DashboardRun | null; date: string; onPickDate: (date: string) => void; store?: string; exportFilter?: string }) {
  const { t } = useTranslation();
  const month = date.slice(0, 7);
  const [calendar, setCalendar] = useState<CalendarDay[]>([]);
  const [trend, setTrend] = useState<TrendPoint[]>([]);
  const [error, setError] = useState<string | null>(null);

  const ofStore = store ? `&store=${encodeURIComponent(store)}` : '';
  useEffect(() => {
    api<{ days: CalendarDay[] }>('GET', `/recon/calendar?month=${month}${ofStore}`)
      .then((r) => setCalendar(r.days))
      .catch((err: unknown) => setError(problemText(err, t)));
  }, [month, ofStore, t, run]);
  useEffect(() => {
    api<{ points: TrendPoint[] }>('GET', `/recon/trend?to=${date}&days=14${ofStore}`)
      .then((r) => setTrend(r.points))
      .catch((err: unknown) => setError(problemText(err, t)));
  }, [date, ofStore, t, run]);

  const channelName = (channel: string) => t(`recon.channels.${channel}`, { defaultValue: channel });
  const groups = (run?.stores ?? []).filter((g) => matchedPct(g) !== null);
  const matchedChart = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 48, right: 16, top: 16, bottom: 64 },
      xAxis: { type: 'category', data: groups.map((g) => `${g.storeCode ?? t('recon.chain')} · ${t(`recon.channels.${g.channel}`, { defaultValue: g.channel })}`), axisLabel: { rotate: 30 } },
      yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      series: [{ type: 'bar', name: t('recon.matchedPct'), data: groups.map((g) => ({ value: matchedPct(g), itemStyle: { color: g.exceptions ? '#cf1322' : '#3f8600' } })) }],
    }),
    [groups, t],
  );
  const byCode = useMemo(() => {
    const counts = new Map<string, number>();
    for (const e of run?.exceptions ?? []) counts.set(e.code, (counts.get(e.code) ?? 0) + 1);
    return [...counts].map(([code, count]) => ({ name: t(`recon.codes.${code}`, { defaultValue: code }), value: count }));
  }, [run, t]);
  const codesChart = useMemo<ChartOption>(() => ({ tooltip: { trigger: 'item' }, series: [{ type: 'pie', radius: ['35%', '65%'], data: byCode, label: { formatter: '{b}: {c}' } }] }), [byCode]);
  const trendChart = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0, data: [t('recon.matchedPct'), t('recon.exceptions')] },
      grid: { left: 48, right: 48, top: 32, bottom: 32 },
      xAxis: { type: 'category', data: trend.map((p) => p.date.slice(5)) },
      yAxis: [
        { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
        { type: 'value', minInterval: 1 },
      ],
      series: [
        { type: 'line', name: t('recon.matchedPct'), data: trend.map((p) => p.matchedPct), connectNulls: true },
        { type: 'bar', name: t('recon.exceptions'), yAxisIndex: 1, data: trend.map((p) => p.exceptions), itemStyle: { color: '#cf1322' } },
      ],
    }),
    [trend, t],
  );
  const openOn = new Map(calendar.map((d) => [d.date, d]));
  const download = (format: 'csv' | 'xlsx') => `/api/v1/recon/exceptions?date=${date}&format=${format}${exportFilter ? `&${exportFilter}` : ''}`;
  const all = run ? matchedPct(run.summary) : null;

  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="recon-dashboard">
      {error && <Alert type="error" title={error} closable onClose={() => setError(null)} />}
      <Row gutter={16}>
        <Col span={6}>
          <Card size="small">
            <Statistic title={t('recon.matchedPct')} value={all ?? '—'} suffix={all === null ? undefined : '%'} data-testid="recon-matched-pct" />
          </Card>
        </Col>
        <Col span={6}>
          <Card size="small">
            <Statistic title={t('recon.inTransit')} value={formatMoney(run?.inTransitFen ?? 0)} data-testid="recon-in-transit" />
          </Card>
        </Col>
        <Col span={12}>
          <Card size="small" title={t('recon.export')}>
            <Space>
              <Button href={download('xlsx')} data-testid="recon-xlsx">XLSX</Button>
              <Button href={download('csv')} data-testid="recon-csv">CSV</Button>
            </Space>
          </Card>
        </Col>
      </Row>
      <Row gutter={16}>
        <Col span={14}>
          <Card size="small" title={t('recon.matchedByStore')}>
            <EChart option={matchedChart} height={260} testId="recon-matched-chart" />
          </Card>
        </Col>
        <Col span={10}>
          <Card size="small" title={t('recon.byCode')}>
            {byCode.length ? <EChart option={codesChart} height={260} testId="recon-codes-chart" /> : <Alert type="success" title={t('recon.none')} />}
          </Card>
        </Col>
      </Row>
      <Card size="small" title={t('recon.money')}>
        <Table<ChannelMoney>
          rowKey="channel"
          size="small"
          pagination={false}
          dataSource={run?.channels ?? []}
          data-testid="recon-money"
          columns={[
            { title: t('recon.channel'), dataIndex: 'channel', render: channelName },
            { title: t('recon.count'), dataIndex: 'count', align: 'right' },
            { title: t('recon.gross'), dataIndex: 'grossFen', align: 'right', render: formatMoney },
            { title: t('recon.fees'), dataIndex: 'feeFen', align: 'right', render: formatMoney },
            { title: t('recon.refunds'), dataIndex: 'refundFen', align: 'right', render: formatMoney },
            { title: t('recon.net'), dataIndex: 'netFen', align: 'right', render: formatMoney },
            { title: t('recon.inTransit'), dataIndex: 'inTransitFen', align: 'right', render: formatMoney },
          ]}
        />
      </Card>
      <Row gutter={16}>
        <Col span={10}>
          <Card size="small" title={`${t('recon.calendar')} ${month}`}>
            <table style={{ width: '100%', borderCollapse: 'collapse' }} data-testid="recon-calendar">
              <thead>
                <tr>{(t('recon.weekdays', { returnObjects: true }) as string[]).map((d) => <th key={d} style={{ fontWeight: 400, color: '#888' }}>{d}</th>)}</tr>
              </thead>
              <tbody>
                {monthGrid(month).map((week, w) => (
                  <tr key={w}>
                    {week.map((day, i) => {
                      const open = day ? openOn.get(day) : undefined;
                      const cell = day ? (
                        <Button size="small" type={day === date ? 'primary' : 'text'} danger={Boolean(open?.open)} onClick={() => onPickDate(day)} data-testid={`recon-day-${day}`}>
                          {Number(day.slice(8))}
                          {open?.open ? ` (${open.open})` : ''}
                        </Button>
                      ) : null;
                      return (
                        <td key={day ?? `blank-${w}-${i}`} style={{ textAlign: 'center', padding: 2 }}>
                          {open?.open ? <Tooltip title={t('recon.openOnDay', { count: open.open, amount: formatMoney(open.openAmountFen) })}>{cell}</Tooltip> : cell}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
        </Col>
        <Col span={14}>
          <Card size="small" title={t('recon.trend')}>
            <EChart option={trendChart} height={260} testId="recon-trend-chart" />
          </Card>
        </Col>
      </Row>
    </Space>
  );
}
