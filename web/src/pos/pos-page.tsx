// The till: one scan box, the cart, and the totals. Selling arrives with the checkout domain.
import { Card, Empty, Input, Layout, Space, Statistic, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useMe } from '../shell/use-me';
import { LanguageSwitch } from '../shell/language-switch';
import { LogoutButton } from '../shell/logout-button';

export function PosPage() {
  const { t } = useTranslation();
  const me = useMe();
  if (!me) return null;
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header style={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', background: '#d4380d' }}>
        <Typography.Text style={{ color: '#fff', fontSize: 18 }} data-testid="pos-title">
          {t('pos.title')} · {me.stores[0]?.name ?? ''}
        </Typography.Text>
        <Space>
          <Typography.Text style={{ color: '#fff' }} data-testid="pos-cashier">
            {t('pos.cashier')}: {me.displayName}
          </Typography.Text>
          <LanguageSwitch />
          <LogoutButton />
        </Space>
      </Layout.Header>
      <Layout.Content style={{ padding: 16, display: 'grid', gridTemplateColumns: '1fr 320px', gap: 16 }}>
        <Card title={t('pos.cart')}>
          <Input size="large" autoFocus placeholder={t('pos.scanPlaceholder')} data-testid="scan-box" />
          <Empty style={{ marginTop: 48 }} description={t('pos.empty')} />
        </Card>
        <Card>
          <Statistic title={t('pos.total')} value="¥0.00" data-testid="cart-total" />
          <Statistic title={t('pos.paid')} value="¥0.00" />
          <Statistic title={t('pos.due')} value="¥0.00" />
          <Typography.Paragraph type="secondary" style={{ marginTop: 24 }}>
            {t('pos.notYet')}
          </Typography.Paragraph>
        </Card>
      </Layout.Content>
    </Layout>
  );
}
