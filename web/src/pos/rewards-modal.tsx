// 积分兑换 at the till: the cart's member takes a gift for points (or points + cash), uses one of
// their coupons on this sale, or converts points into a coupon. Gifts the member cannot afford
// are shown but disabled; the server checks again and its refusal is shown here.
import { useEffect, useState } from 'react';
import { Alert, Button, List, Modal, Tabs, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { problemText } from '../api';
import { formatMoney } from '../money';
import { tillApi, type Cart, type RewardOffers, type TillChoice } from './till-api';
import type { CouponView } from '../../../src/members/index';

interface Props {
  open: boolean;
  cart: Cart | null;
  memberId: string | null;
  till: TillChoice;
  /** The cart after a gift or coupon changed it. */
  onCart: (cart: Cart) => void;
  onClose: () => void;
}

/** "满¥50.00减¥10.00" or "减¥10.00". */
export function couponText(t: (key: string, options: Record<string, string>) => string, c: { valueFen: number; minSpendFen: number }): string {
  return c.minSpendFen > 0 ? t('rewards.label', { min: formatMoney(c.minSpendFen), value: formatMoney(c.valueFen) }) : t('rewards.labelNoMin', { value: formatMoney(c.valueFen) });
}

export function RewardsModal({ open, cart, memberId, till, onCart, onClose }: Props) {
  const { t } = useTranslation();
  const [offers, setOffers] = useState<RewardOffers | null>(null);
  const [coupons, setCoupons] = useState<CouponView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const available = cart?.member?.availablePoints ?? 0;

  const load = async (id: string) => {
    const [o, c] = await Promise.all([tillApi.rewards(), tillApi.memberCoupons(id)]);
    setOffers(o);
    setCoupons(c.coupons);
  };

  useEffect(() => {
    if (!open || !memberId) return;
    setError(null);
    load(memberId).catch((err: unknown) => setError(problemText(err, t)));
    // Reloaded each time the dialog opens: balances and coupons change at other tills.
  }, [open, memberId]);

  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
      setError(null);
    } catch (err) {
      setError(problemText(err, t));
    } finally {
      setBusy(false);
    }
  };

  const done = (next: Cart) => {
    onCart(next);
    onClose();
  };

  const gifts = (
    <List
      size="small"
      dataSource={offers?.gifts ?? []}
      locale={{ emptyText: t('rewards.none') }}
      renderItem={(g) => (
        <List.Item
          data-testid="reward-gift"
          actions={[
            <Button
              key="redeem"
              type="primary"
              disabled={busy || !cart || g.points > available}
              onClick={() => void act(async () => cart && done(await tillApi.redeemGift(cart.id, g.skuId)))}
              data-testid={`redeem-gift-${g.code}`}
            >
              {t('rewards.redeem')}
            </Button>,
          ]}
        >
          <List.Item.Meta
            title={g.name}
            description={`${g.cashFen > 0 ? t('rewards.giftPriceCash', { points: String(g.points), money: formatMoney(g.cashFen) }) : t('rewards.giftPrice', { points: String(g.points) })} · ${formatMoney(g.priceFen)}`}
          />
        </List.Item>
      )}
    />
  );

  const usable = coupons.filter((c) => c.state === 'issued');
  const couponsTab = (
    <>
      <Typography.Title level={5}>{t('rewards.myCoupons')}</Typography.Title>
      <List
        size="small"
        dataSource={usable}
        locale={{ emptyText: t('rewards.none') }}
        renderItem={(c) => (
          <List.Item
            data-testid="reward-coupon"
            actions={[
              <Button key="use" type="primary" disabled={busy || !cart} onClick={() => void act(async () => cart && done(await tillApi.applyCoupon(cart.id, c.code)))} data-testid={`use-coupon-${c.code}`}>
                {t('rewards.use')}
              </Button>,
            ]}
          >
            <List.Item.Meta title={`${c.name} · ${couponText(t, c)}`} description={`${c.code} · ${t('rewards.validUntil', { day: c.lastDay })}`} />
          </List.Item>
        )}
      />
      <Typography.Title level={5}>{t('rewards.offers')}</Typography.Title>
      <List
        size="small"
        dataSource={offers?.couponOffers ?? []}
        locale={{ emptyText: t('rewards.none') }}
        renderItem={(o) => (
          <List.Item
            actions={[
              <Button key="convert" disabled={busy || !memberId || o.points > available} onClick={() => void act(async () => memberId && (await tillApi.issueCoupon(memberId, o.id, till), await load(memberId)))} data-testid={`convert-${o.id}`}>
                {t('rewards.convert')}
              </Button>,
            ]}
          >
            <List.Item.Meta title={`${o.name} · ${couponText(t, o)}`} description={t('rewards.offer', { points: String(o.points), days: String(o.validDays) })} />
          </List.Item>
        )}
      />
    </>
  );

  return (
    <Modal open={open} title={t('rewards.title')} onCancel={onClose} footer={null} width={560} destroyOnHidden>
      <Tag color="gold" data-testid="rewards-available">
        {t('rewards.available', { points: String(available) })}
      </Tag>
      {error && <Alert type="error" title={error} style={{ marginTop: 8 }} data-testid="rewards-error" />}
      <Tabs items={[{ key: 'gifts', label: t('rewards.gifts'), children: gifts }, { key: 'coupons', label: t('rewards.coupons'), children: couponsTab }]} />
    </Modal>
  );
}
