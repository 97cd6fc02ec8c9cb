// The member portal (/m) on the member's phone: sign in with an SMS code, then the member card
// with a code that refreshes every 30 s for the till to scan, points, tier, coupons (and points
// turned into coupons, 兑换优惠券) and messages.
import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Card, Input, List, Progress, Space, Statistic, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import QRCode from 'qrcode';
import { api, problemText } from '../api';
import { LanguageSwitch } from '../shell/language-switch';
import { formatMoney } from '../money';
import { couponText } from '../pos/rewards-modal';
import type { CouponOffer, CouponView } from '../../../src/members/index';

interface PortalMe {
  member: { cardNo: string; phone: string | null; tier: { name: string; discountPercent: string }; pointsBalance: number; wechatBound: boolean };
  nextTier: { name: string; minSpendFen: number | null; spendFen: number; missingFen: number | null } | null;
  receipts: Array<{ receiptNo: string; url: string; totalFen: number; at: string; store: string }>;
  qr: { code: string; refreshSeconds: number };
  points: Array<{ kind: string; points: number; at: string }>;
  messages: Array<{ kind: string; body: string; at: string }>;
  coupons: CouponView[];
}

/** Demo only: what the sandboxes delivered to this phone's member, SMS and WeChat messages alike. */
async function demoInbox(phone: string): Promise<Array<{ content: string }>> {
  const r = await api<{ messages: Array<{ content: string }>; wechat: Array<{ data: Record<string, { value: string }> }> }>('GET', `/sandbox/sms?phone=${encodeURIComponent(phone)}`);
  return [...r.wechat.map((w) => ({ content: `WeChat · ${Object.values(w.data).map((v) => v.value).join(' · ')}` })), ...r.messages];
}

const when = (iso: string) => new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });

export function PortalPage() {
  const { t } = useTranslation();
  const [me, setMe] = useState<PortalMe | null | undefined>(undefined);
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [codeSent, setCodeSent] = useState(false);
  const [qrImage, setQrImage] = useState('');
  const [inbox, setInbox] = useState<Array<{ content: string }> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [offers, setOffers] = useState<CouponOffer[]>([]);

  const load = useCallback(async () => {
    try {
      const next = await api<PortalMe>('GET', '/portal/me');
      setMe(next);
      setQrImage(await QRCode.toDataURL(next.qr.code, { margin: 1, width: 240 }));
      setOffers((await api<{ couponOffers: CouponOffer[] }>('GET', '/portal/rewards')).couponOffers);
    } catch {
      setMe(null);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    if (!me) return;
    const timer = setInterval(() => void load(), me.qr.refreshSeconds * 1000);
    return () => clearInterval(timer);
  }, [me, load]);

  const attempt = async (fn: () => Promise<void>) => {
    try {
      await fn();
      setError(null);
    } catch (err) {
      setError(problemText(err, t));
    }
  };

  return (
    <div style={{ maxWidth: 420, margin: '0 auto', padding: 16 }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          {t('portal.title')}
        </Typography.Title>
        <LanguageSwitch />
      </Space>
      {error && <Alert type="error" title={error} style={{ margin: '12px 0' }} data-testid="portal-error" />}
      {me === null && (
        <Card style={{ marginTop: 12 }}>
          <Space direction="vertical" style={{ width: '100%' }}>
            <Input size="large" inputMode="tel" placeholder={t('portal.phone')} value={phone} onChange={(e) => setPhone(e.target.value)} data-testid="portal-phone" />
            <Button block onClick={() => void attempt(async () => (await api('POST', '/portal/code', { phone }), setCodeSent(true)))} data-testid="portal-send-code">
              {t('portal.sendCode')}
            </Button>
            {codeSent && (
              <>
                <Input size="large" inputMode="numeric" maxLength={6} placeholder={t('portal.code')} value={code} onChange={(e) => setCode(e.target.value)} data-testid="portal-code" />
                <Button type="primary" block size="large" onClick={() => void attempt(async () => (await api('POST', '/portal/session', { phone, code }), await load()))} data-testid="portal-sign-in">
                  {t('portal.signIn')}
                </Button>
                <Button type="link" onClick={() => void attempt(async () => setInbox(await demoInbox(phone)))} data-testid="portal-demo-inbox">
                  {t('portal.demoInbox')}
                </Button>
                {inbox && <List size="small" bordered dataSource={inbox} renderItem={(m) => <List.Item data-testid="portal-inbox-item">{m.content}</List.Item>} />}
              </>
            )}
          </Space>
        </Card>
      )}
      {me && (
        <Space direction="vertical" style={{ width: '100%', marginTop: 12 }}>
          <Card data-testid="portal-card">
            <Space style={{ width: '100%', justifyContent: 'space-between' }}>
              <Tag color="gold" data-testid="portal-tier">
                {me.member.tier.name}
              </Tag>
              <Typography.Text type="secondary">{me.member.phone}</Typography.Text>
            </Space>
            <Statistic title={t('portal.points')} value={me.member.pointsBalance} data-testid="portal-points" />
            {me.nextTier?.minSpendFen && (
              <div data-testid="portal-next-tier">
                <Progress percent={Math.min(100, Math.floor((me.nextTier.spendFen * 100) / me.nextTier.minSpendFen))} size="small" />
                <Typography.Text type="secondary">{t('portal.nextTier', { tier: me.nextTier.name, amount: formatMoney(me.nextTier.missingFen ?? 0) })}</Typography.Text>
              </div>
            )}
            <div style={{ textAlign: 'center' }}>
              {qrImage && <img src={qrImage} alt={t('portal.showAtTill')} width={240} height={240} data-testid="portal-qr" data-code={me.qr.code} />}
              <Typography.Paragraph type="secondary">{t('portal.showAtTill')}</Typography.Paragraph>
              <Typography.Text code>{me.member.cardNo}</Typography.Text>
            </div>
          </Card>
          {me.member.wechatBound ? (
            <Alert type="success" title={t('portal.wechatBound')} data-testid="portal-wechat-bound" action={phone && <Button size="small" type="link" onClick={() => void attempt(async () => setInbox(await demoInbox(phone)))}>{t('portal.demoWechatInbox')}</Button>} />
          ) : (
            // In the mini-program the code comes from wx.login; the demo asks the WeChat sandbox for one.
            <Button block onClick={() => void attempt(async () => (await api('POST', '/portal/wechat', { code: (await api<{ code: string }>('POST', '/sandbox/wechat/login-code')).code }), await load()))} data-testid="portal-bind-wechat">
              {t('portal.bindWechat')}
            </Button>
          )}
          {me.member.wechatBound && inbox && <List size="small" bordered dataSource={inbox} renderItem={(m) => <List.Item data-testid="portal-inbox-item">{m.content}</List.Item>} />}
          <Card title={t('portal.coupons')} size="small">
            <List
              size="small"
              dataSource={me.coupons}
              locale={{ emptyText: t('rewards.none') }}
              renderItem={(c) => (
                <List.Item data-testid="portal-coupon" extra={<Tag color={c.state === 'issued' ? 'red' : 'default'}>{t(`rewards.state.${c.state}`)}</Tag>}>
                  <List.Item.Meta title={`${c.name} · ${couponText(t, c)}`} description={`${c.code} · ${t('rewards.validUntil', { day: c.lastDay })}`} />
                </List.Item>
              )}
            />
          </Card>
          <Card title={t('portal.getCoupon')} size="small">
            <List
              size="small"
              dataSource={offers}
              locale={{ emptyText: t('rewards.none') }}
              renderItem={(o) => (
                <List.Item
                  actions={[
                    <Button key="get" size="small" type="primary" disabled={o.points > me.member.pointsBalance} onClick={() => void attempt(async () => (await api('POST', '/portal/coupons', { offerId: o.id }), await load()))} data-testid={`portal-convert-${o.id}`}>
                      {t('rewards.convert')}
                    </Button>,
                  ]}
                >
                  <List.Item.Meta title={`${o.name} · ${couponText(t, o)}`} description={t('rewards.offer', { points: String(o.points), days: String(o.validDays) })} />
                </List.Item>
              )}
            />
          </Card>
          <Card title={t('portal.receipts')} size="small">
            <List
              size="small"
              dataSource={me.receipts}
              locale={{ emptyText: '—' }}
              renderItem={(r) => (
                <List.Item extra={formatMoney(r.totalFen)}>
                  <a href={r.url} target="_blank" rel="noreferrer" data-testid="portal-receipt">{`${r.store} · ${when(r.at)}`}</a>
                </List.Item>
              )}
            />
          </Card>
          <Card title={t('portal.history')} size="small">
            <List size="small" dataSource={me.points} locale={{ emptyText: '—' }} renderItem={(p) => <List.Item extra={p.points > 0 ? `+${p.points}` : p.points}>{`${t(`portal.kinds.${p.kind}`, { defaultValue: p.kind })} · ${when(p.at)}`}</List.Item>} />
          </Card>
          <Card title={t('portal.messages')} size="small">
            <List size="small" dataSource={me.messages} locale={{ emptyText: '—' }} renderItem={(m) => <List.Item>{m.body}</List.Item>} />
          </Card>
          <Button block onClick={() => void attempt(async () => (await api('POST', '/portal/logout'), setMe(null)))}>
            {t('portal.signOut')}
          </Button>
        </Space>
      )}
    </div>
  );
}
