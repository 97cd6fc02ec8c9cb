// 会员 at the till (F10): find the customer by phone number and attach them to the sale, or
// register them there — the consent text is shown and the customer must accept it first.
import { useEffect, useState } from 'react';
import { Alert, Button, Checkbox, Input, Modal, Space, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiError, problemText } from '../api';
import { membersApi, type MembersConfig } from '../admin/members-api';
import type { TillChoice } from './till-api';

interface Props {
  open: boolean;
  /** The consent text and version to show; null while it loads. */
  config: MembersConfig | null;
  till: TillChoice;
  /** Attaches the member with this phone number to the sale; throws the API's error. */
  onAttach: (phone: string) => Promise<void>;
  onClose: () => void;
}

export function MemberModal({ open, config, till, onAttach, onClose }: Props) {
  const { t } = useTranslation();
  const [tab, setTab] = useState<'find' | 'register'>('find');
  const [phone, setPhone] = useState('');
  const [name, setName] = useState('');
  const [accepted, setAccepted] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!open) return;
    setTab('find');
    setPhone('');
    setName('');
    setAccepted(false);
    setError(null);
  }, [open]);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    try {
      await fn();
      setError(null);
    } catch (err) {
      // No member with this number: offer to register them with the number already typed.
      if (err instanceof ApiError && err.problem.code === 'MEMBER_NOT_FOUND') setTab('register');
      setError(problemText(err, t));
    } finally {
      setBusy(false);
    }
  };

  const find = () => run(() => onAttach(phone.trim()));
  const register = () =>
    run(async () => {
      if (!config) return;
      await membersApi.register({ ...till, phone: phone.trim(), name: name.trim() || undefined, consentVersion: config.consent.version, consentAccepted: accepted });
      await onAttach(phone.trim());
    });

  const phoneInput = (testId: string, onEnter: () => Promise<void>) => (
    <Input size="large" autoFocus inputMode="tel" maxLength={20} placeholder={t('members.phonePlaceholder')} value={phone} onChange={(e) => setPhone(e.target.value)} onPressEnter={() => void onEnter()} data-testid={testId} />
  );

  return (
    <Modal open={open} title={t('members.till.title')} footer={null} onCancel={onClose} destroyOnHidden width={560}>
      {error && <Alert type="error" title={error} style={{ marginBottom: 12 }} data-testid="member-error" />}
      <Tabs
        activeKey={tab}
        onChange={(k) => {
          setTab(k as 'find' | 'register');
          setError(null);
        }}
        items={[
          {
            key: 'find',
            label: <span data-testid="member-tab-find">{t('members.till.find')}</span>,
            children: (
              <Space direction="vertical" style={{ width: '100%' }}>
                {phoneInput('member-phone', find)}
                <Button type="primary" size="large" block loading={busy} disabled={!phone.trim()} onClick={() => void find()} data-testid="member-find">
                  {t('members.till.attach')}
                </Button>
              </Space>
            ),
          },
          {
            key: 'register',
            label: <span data-testid="member-tab-register">{t('members.till.register')}</span>,
            children: (
              <Space direction="vertical" style={{ width: '100%' }}>
                {phoneInput('member-register-phone', register)}
                <Input size="large" maxLength={40} placeholder={t('members.namePlaceholder')} value={name} onChange={(e) => setName(e.target.value)} data-testid="member-register-name" />
                <Typography.Paragraph style={{ background: '#fafafa', padding: 12, marginBottom: 0, maxHeight: 160, overflow: 'auto' }} data-testid="member-consent-text">
                  {config?.consent.text ?? ''}
                </Typography.Paragraph>
                <Checkbox checked={accepted} onChange={(e) => setAccepted(e.target.checked)} data-testid="member-consent">
                  {t('members.consentAccept', { version: config?.consent.version ?? '' })}
                </Checkbox>
                <Button type="primary" size="large" block loading={busy} disabled={!config || !accepted || !phone.trim()} onClick={() => void register()} data-testid="member-register-submit">
                  {t('members.till.registerAndAttach')}
                </Button>
              </Space>
            ),
          },
        ]}
      />
    </Modal>
  );
}
