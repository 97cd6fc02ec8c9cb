// The till's right column: the member attached to the sale (card, masked phone, tier, points),
// or the button that finds or registers one.
import { Button, Card, Descriptions } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Cart } from './till-api';

interface Props {
  member: Cart['member'];
  onOpen: () => void;
  /** Takes the member off the sale (only before any payment). */
  onDetach: () => void;
}

export function MemberPanel({ member, onOpen, onDetach }: Props) {
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
        </Descriptions.Item>
      </Descriptions>
    </Card>
  );
}
