// The till's right column: the member attached to the sale (card, masked phone, tier, points,
// the coupon on the sale), or the button that finds or registers one.
import { Button, Card, Descriptions, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatMoney } from '../money';
import type { Cart } from './till-api';

interface Props {
  member: Cart['member'];
  coupon: Cart['coupon'];
  onOpen: () => void;
  /** Opens the gifts and coupons (积分兑换). */
  onRewards: () => void;
  onRemoveCoupon: () => void;
  /** Takes the member off the sale (only before any payment). */
  onDetach: () => void;
}

export function MemberPanel({ member, coupon, onOpen, onRewards, onRemoveCoupon, onDetach }: Props) {
  const { t } = useTranslation();
  if (!member) {
    return (
      <Button size="large" block onClick={onOpen} data-testid="open-member">
        {t('members.till.button')} F10
      </Button>
    );
  }
  return (
    <Card
      size="small"
      title={t('members.till.attached')}
      extra={
        <Button size="small" type="link" onClick={onDetach} data-testid="member-detach">
          {t('members.till.detach')}
        </Button>
      }
      data-testid="member-panel"
    >
      <Descriptions size="small" column={1}>
        <Descriptions.Item label={t('members.cardNo')}>
          <span data-testid="member-card">{member.cardNo}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('members.phone')}>
          <span data-testid="member-masked-phone">{member.phone ?? '—'}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('members.tier')}>
          <span data-testid="member-tier">{member.tierName}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('members.points.balance')}>
          <span data-testid="member-points">{member.pointsBalance}</span>
          {member.availablePoints !== member.pointsBalance && (
            <Typography.Text type="secondary" data-testid="member-available-points">
              {' '}
              ({t('rewards.available', { points: String(member.availablePoints) })})
            </Typography.Text>
          )}
        </Descriptions.Item>
      </Descriptions>
      {coupon && (
        <div data-testid="cart-coupon">
          <Tag color="red">{t('rewards.onCart', { code: coupon.code, money: formatMoney(coupon.discountFen) })}</Tag>
          <Button size="small" type="link" onClick={onRemoveCoupon} data-testid="coupon-remove">
            {t('rewards.remove')}
          </Button>
        </div>
      )}
      <Button block onClick={onRewards} data-testid="open-rewards">
        {t('rewards.button')}
      </Button>
    </Card>
  );
}
