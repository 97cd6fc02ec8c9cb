// The web app's entry: picks the page from the path (/login, /pos, /admin, /m) and wraps it in
// antd's locale and the i18n provider.
import { lazy, StrictMode, Suspense, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { App as AntApp, ConfigProvider, Spin } from 'antd';
import zhCNLocale from 'antd/locale/zh_CN';
import enUSLocale from 'antd/locale/en_US';
import { useTranslation } from 'react-i18next';
import './i18n';
import { LoginPage } from './shell/login-page';

// Each page is its own chunk: the till does not download the back office's charts and exports.
const PosPage = lazy(() => import('./pos/pos-page').then((m) => ({ default: m.PosPage })));
const AdminPage = lazy(() => import('./admin/admin-page').then((m) => ({ default: m.AdminPage })));
const PortalPage = lazy(() => import('./portal/portal-page').then((m) => ({ default: m.PortalPage })));

function usePath(): string {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  return path;
}

function Root() {
  const path = usePath();
  const { i18n } = useTranslation();
  const page = path.startsWith('/pos') ? <PosPage /> : path.startsWith('/admin') ? <AdminPage /> : path === '/m' || path.startsWith('/m/') ? <PortalPage /> : <LoginPage />;
  return (
    <ConfigProvider locale={i18n.language === 'en' ? enUSLocale : zhCNLocale} theme={{ token: { colorPrimary: '#d4380d' } }}>
      <AntApp>
        <Suspense fallback={<Spin style={{ margin: 48 }} />}>{page}</Suspense>
      </AntApp>
    </ConfigProvider>
  );
}

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <Root />
    </StrictMode>,
  );
}
