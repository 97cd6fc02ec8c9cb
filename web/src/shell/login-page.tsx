// Sign-in: username and password, or a cashier's PIN at a till.
import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Space, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, fetchMe, problemText } from '../api';
import { navigate } from '../navigate';
import { LanguageSwitch } from './language-switch';

async function goHome(): Promise<void> {
  const me = await fetchMe();
  navigate(me.permissions.includes('pos.sell') && me.grants.every((g) => g.role === 'cashier') ? '/pos' : '/admin');
}

export function LoginPage() {
  const { t } = useTranslation();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (url: string, body: Record<string, string>) => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', url, body);
      await goHome();
    } catch (err) {
      setError(problemText(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div style={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', background: '#f5f5f5' }}>
      <Card style={{ width: 380 }}>
        <Space style={{ width: '100%', justifyContent: 'space-between' }}>
          <Typography.Title level={4} style={{ margin: 0 }}>
            {t('app.name')}
          </Typography.Title>
          <LanguageSwitch />
        </Space>
        {error && <Alert type="error" title={t('login.failed')} description={error} style={{ marginTop: 16 }} data-testid="login-error" />}
        <Tabs
          items={[
            {
              key: 'password',
              label: t('login.password'),
              children: (
                <Form name="password-login" layout="vertical" onFinish={(v: { username: string; password: string }) => void submit('/auth/login', v)}>
                  <Form.Item name="username" label={t('login.username')} rules={[{ required: true }]}>
                    <Input autoFocus autoComplete="username" data-testid="username" />
                  </Form.Item>
                  <Form.Item name="password" label={t('login.passwordLabel')} rules={[{ required: true }]}>
                    <Input.Password autoComplete="current-password" data-testid="password" />
                  </Form.Item>
                  <Button type="primary" htmlType="submit" block loading={busy} data-testid="login-submit">
                    {t('login.submit')}
                  </Button>
                </Form>
              ),
            },
            {
              key: 'pin',
              label: t('login.pin'),
              children: (
                <Form
                  name="pin-login"
                  layout="vertical"
                  initialValues={{ storeCode: 'S001', terminalCode: 'T01' }}
                  onFinish={(v: Record<string, string>) => void submit('/auth/pin', v)}
                >
                  <Space>
                    <Form.Item name="storeCode" label={t('login.store')} rules={[{ required: true }]}>
                      <Input data-testid="pin-store" />
                    </Form.Item>
                    <Form.Item name="terminalCode" label={t('login.terminal')} rules={[{ required: true }]}>
                      <Input data-testid="pin-terminal" />
                    </Form.Item>
                  </Space>
                  <Form.Item name="username" label={t('login.username')} rules={[{ required: true }]}>
                    <Input data-testid="pin-username" />
                  </Form.Item>
                  <Form.Item name="pin" label={t('login.pinLabel')} rules={[{ required: true }]}>
                    <Input.Password inputMode="numeric" maxLength={8} data-testid="pin-pin" />
                  </Form.Item>
                  <Button type="primary" htmlType="submit" block loading={busy} data-testid="pin-submit">
                    {t('login.submit')}
                  </Button>
                </Form>
              ),
            },
          ]}
        />
      </Card>
    </div>
  );
}
