// Signs out and returns to the sign-in page.
import { Button } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { navigate } from '../navigate';

export function LogoutButton() {
  const { t } = useTranslation();
  return (
    <Button size="small" onClick={() => void api('POST', '/auth/logout').finally(() => navigate('/login'))} data-testid="logout">
      {t('app.logout')}
    </Button>
  );
}
