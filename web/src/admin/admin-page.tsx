// The back office: navigation for every domain; each page fills in as its domain lands.
import { useState } from 'react';
import { Card, Empty, Layout, List, Menu, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useMe } from '../shell/use-me';
import { LanguageSwitch } from '../shell/language-switch';
import { LogoutButton } from '../shell/logout-button';
import { CatalogPage } from './catalog-page';
import { ReconciliationPage } from './reconciliation-page';
import { AuditPage } from './audit-page';
import { ReturnsPage } from './returns-page';
import { MembersPage } from './members-page';
import { InventoryPage } from './inventory-page';
import { DashboardPage, ReportsPage } from './reports-page';
import { StoresPage } from './stores-page';

const SECTIONS = ['dashboard', 'catalog', 'checkout', 'members', 'returns', 'reconciliation', 'reports', 'inventory', 'stores', 'users', 'audit'] as const;
type Section = (typeof SECTIONS)[number];

export function AdminPage() {
  const { t } = useTranslation();
  const me = useMe();
  const [section, setSection] = useState<Section>('dashboard');
  if (!me) return null;
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider theme="light" width={200}>
        <Typography.Title level={5} style={{ padding: 16, margin: 0 }}>
          {t('app.name')}
        </Typography.Title>
        <Menu
          mode="inline"
          selectedKeys={[section]}
          onClick={(e) => setSection(e.key as Section)}
          items={SECTIONS.map((s) => ({ key: s, label: t(`admin.nav.${s}`) }))}
          data-testid="admin-nav"
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header style={{ background: '#fff', display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
          <Typography.Text data-testid="admin-welcome">{t('admin.welcome', { name: me.displayName })}</Typography.Text>
          <Space>
            <LanguageSwitch />
            <LogoutButton />
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: 24 }}>
          {section === 'catalog' ? (
            <CatalogPage />
          ) : section === 'reconciliation' ? (
            <ReconciliationPage me={me} />
          ) : section === 'audit' ? (
            <AuditPage stores={me.stores} />
          ) : section === 'inventory' ? (
            <InventoryPage me={me} />
          ) : section === 'members' ? (
            <MembersPage me={me} />
          ) : section === 'returns' ? (
            <ReturnsPage me={me} />
          ) : section === 'reports' ? (
            <ReportsPage me={me} />
          ) : section === 'dashboard' && me.permissions.includes('reports.view') ? (
            <DashboardPage me={me} />
          ) : section === 'stores' ? (
            <StoresPage me={me} />
          ) : section === 'dashboard' ? (
            <Card title={t('admin.stores')}>
              <List dataSource={me.stores} renderItem={(s) => <List.Item>{`${s.code} · ${s.name}`}</List.Item>} />
            </Card>
          ) : (
            <Card title={t(`admin.nav.${section}`)}>
              <Empty description={t('admin.comingSoon')} />
            </Card>
          )}
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
