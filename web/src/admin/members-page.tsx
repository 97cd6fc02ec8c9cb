// Back office: members — the member list and one member's detail, find a member by phone (shown
// masked; a manager may reveal), register one with the customer's consent, export or anonymise
// on the member's request, the tiers and points rules, and the gifts and coupons for points
// (editable with members.manage).
import { useEffect, useState } from 'react';
import { Alert, Button, Card, Checkbox, Descriptions, Form, Input, Modal, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { problemText, type Me } from '../api';
import { membersApi, type Member, type MembersConfig } from './members-api';
import { MemberDetail } from './member-detail';
import { MembersRules } from './members-rules';
import { MembersRewards } from './members-rewards';

type Message = { type: 'success' | 'error'; text: string } | null;

const shanghaiTime = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });

/** Search, register and the membership rules, as three tabs. */
export function MembersPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [config, setConfig] = useState<MembersConfig | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const manager = me.permissions.includes('members.manage');
  // The rules are the chain's (the server asks for a chain-wide grant); a store's manager reads them.
  const editsRules = manager && me.grants.some((g) => g.scopeKind === 'all');
  const [tab, setTab] = useState(manager ? 'list' : 'find');
  const [member, setMember] = useState<Member | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);

  useEffect(() => {
    membersApi.config().then(setConfig, (err: unknown) => setLoadError(problemText(err, t)));
  }, [t]);

  if (openId) return <MemberDetail me={me} memberId={openId} onBack={() => setOpenId(null)} />;
  return (
    <>
      {loadError && <Alert type="error" title={loadError} style={{ marginBottom: 12 }} />}
      <Tabs
        activeKey={tab}
        onChange={setTab}
        data-testid="members-tabs"
        items={[
          ...(manager ? [{ key: 'list', label: <span data-testid="members-tab-list">{t('members.admin.tabs.list')}</span>, children: <ListPanel onOpen={setOpenId} /> }] : []),
          { key: 'find', label: <span data-testid="members-tab-find">{t('members.admin.tabs.find')}</span>, children: <FindPanel me={me} member={member} onMember={setMember} onOpen={setOpenId} /> },
          {
            key: 'register',
            label: <span data-testid="members-tab-register">{t('members.admin.tabs.register')}</span>,
            children: (
              <RegisterPanel
                me={me}
                config={config}
                onRegistered={(m) => {
                  setMember(m);
                  setTab('find');
                }}
              />
            ),
          },
          { key: 'rules', label: <span data-testid="members-tab-rules">{t('members.admin.tabs.rules')}</span>, children: <MembersRules config={config} canEdit={editsRules} onSaved={setConfig} /> },
          { key: 'rewards', label: <span data-testid="members-tab-rewards">{t('members.admin.tabs.rewards')}</span>, children: <MembersRewards config={config} canEdit={editsRules} onSaved={setConfig} /> },
        ]}
      />
    </>
  );
}

/** Every member, newest first, masked; a row opens the member's detail. */
function ListPanel({ onOpen }: { onOpen: (id: string) => void }) {
  const { t } = useTranslation();
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ total: number; members: Member[] }>({ total: 0, members: [] });
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    membersApi.list(20, (page - 1) * 20).then(setData, (err: unknown) => setError(problemText(err, t)));
  }, [page, t]);
  return (
    <>
      {error && <Alert type="error" title={error} style={{ marginBottom: 12 }} />}
      <Table
        rowKey="id"
        size="small"
        dataSource={data.members}
        pagination={{ current: page, pageSize: 20, total: data.total, onChange: setPage, showSizeChanger: false }}
        onRow={(m) => ({ onClick: () => onOpen(m.id), style: { cursor: 'pointer' } })}
        data-testid="members-list"
        columns={[
          { title: t('members.cardNo'), render: (_, m) => <a data-testid="members-list-open">{m.cardNo}</a> },
          { title: t('members.phone'), render: (_, m) => <span data-testid="members-list-phone">{m.phone ?? '—'}</span> },
          { title: t('members.name'), render: (_, m) => m.name ?? '—' },
          { title: t('members.tier'), render: (_, m) => m.tier.name },
          { title: t('members.points.balance'), dataIndex: 'pointsBalance', align: 'right' },
          { title: t('members.admin.since'), render: (_, m) => shanghaiTime.format(new Date(m.createdAt)) },
          { title: t('members.detail.status'), render: (_, m) => <Tag color={m.status === 'active' ? 'green' : 'default'}>{t(`members.status.${m.status}`)}</Tag> },
        ]}
      />
    </>
  );
}

function FindPanel({ me, member, onMember, onOpen }: { me: Me; member: Member | null; onMember: (m: Member | null) => void; onOpen: (id: string) => void }) {
  const { t } = useTranslation();
  const [message, setMessage] = useState<Message>(null);
  const [busy, setBusy] = useState(false);

  const find = async (phone: string) => {
    if (!phone.trim()) return;
    setBusy(true);
    setMessage(null);
    try {
      const found = await membersApi.findByPhone(phone.trim());
      onMember(found);
      setMessage(found ? null : { type: 'error', text: t('members.admin.notFound') });
    } catch (err) {
      setMessage({ type: 'error', text: problemText(err, t) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Space direction="vertical" style={{ width: '100%', maxWidth: 640 }}>
      <Input.Search size="large" enterButton={t('members.admin.search')} loading={busy} placeholder={t('members.phonePlaceholder')} onSearch={(q) => void find(q)} data-testid="members-search" />
      {message && <Alert type={message.type} title={message.text} data-testid="members-message" />}
      {member && <MemberCard me={me} member={member} onMember={onMember} onMessage={setMessage} onOpen={onOpen} />}
    </Space>
  );
}

/** One member, masked unless revealed, with what a manager may do on the member's request. */
function MemberCard({ me, member, onMember, onMessage, onOpen }: { me: Me; member: Member; onMember: (m: Member) => void; onMessage: (m: Message) => void; onOpen: (id: string) => void }) {
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState<'reveal' | 'export' | 'anonymise' | null>(null);
  const manager = me.permissions.includes('members.manage');
  const active = member.status === 'active';

  const act = async (what: 'reveal' | 'export' | 'anonymise', fn: () => Promise<void>) => {
    setBusy(what);
    try {
      await fn();
    } catch (err) {
      onMessage({ type: 'error', text: problemText(err, t) });
    } finally {
      setBusy(null);
    }
  };

  const reveal = () => act('reveal', async () => onMember(await membersApi.reveal(member.id)));
  const download = () =>
    act('export', async () => {
      const data = await membersApi.export(member.id);
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `member-${member.cardNo}.json`;
      link.click();
      URL.revokeObjectURL(url);
      onMessage({ type: 'success', text: t('members.admin.exported') });
    });
  const anonymise = () =>
    act('anonymise', async () => {
      onMember(await membersApi.anonymise(member.id));
      setConfirming(false);
      onMessage({ type: 'success', text: t('members.admin.anonymised') });
    });

  return (
    <Card
      title={
        <Space>
          <span data-testid="member-result-card">{member.cardNo}</span>
          <Tag color={active ? 'green' : 'default'} data-testid="member-result-status">
            {t(`members.status.${member.status}`)}
          </Tag>
        </Space>
      }
      data-testid="member-result"
    >
      <Descriptions column={2} size="small">
        <Descriptions.Item label={t('members.phone')}>
          <span data-testid="member-result-phone">{member.phone ?? '—'}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('members.name')}>
          <span data-testid="member-result-name">{member.name ?? '—'}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('members.tier')}>
          <span data-testid="member-result-tier">{member.tier.name}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('members.points.balance')}>
          <span data-testid="member-result-points">{member.pointsBalance}</span>
        </Descriptions.Item>
        {member.birthday && <Descriptions.Item label={t('members.birthday')}>{member.birthday}</Descriptions.Item>}
        <Descriptions.Item label={t('members.admin.since')}>{shanghaiTime.format(new Date(member.createdAt))}</Descriptions.Item>
      </Descriptions>
      {manager && active && (
        <Space wrap style={{ marginTop: 12 }}>
          <Button type="primary" onClick={() => onOpen(member.id)} data-testid="member-open-detail">
            {t('members.detail.open')}
          </Button>
          <Button loading={busy === 'reveal'} onClick={() => void reveal()} data-testid="member-reveal">
            {t('members.admin.reveal')}
          </Button>
          <Button loading={busy === 'export'} onClick={() => void download()} data-testid="member-export">
            {t('members.admin.export')}
          </Button>
          <Button danger onClick={() => setConfirming(true)} data-testid="member-anonymise">
            {t('members.admin.anonymise')}
          </Button>
        </Space>
      )}
      <Modal
        open={confirming}
        title={t('members.admin.anonymiseTitle', { cardNo: member.cardNo })}
        okText={t('members.admin.anonymise')}
        okButtonProps={{ danger: true, loading: busy === 'anonymise', 'data-testid': 'anonymise-confirm' } as Record<`data-${string}`, string>}
        cancelText={t('pos.cancel')}
        onOk={() => void anonymise()}
        onCancel={() => setConfirming(false)}
      >
        <Typography.Paragraph data-testid="anonymise-warning">{t('members.admin.anonymiseWarning')}</Typography.Paragraph>
      </Modal>
    </Card>
  );
}

interface RegisterValues {
  phone: string;
  name?: string;
  birthday?: string;
  storeCode: string;
  consent: boolean;
}

function RegisterPanel({ me, config, onRegistered }: { me: Me; config: MembersConfig | null; onRegistered: (m: Member) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<RegisterValues>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const register = async (v: RegisterValues) => {
    if (!config) return;
    setBusy(true);
    try {
      const member = await membersApi.register({ phone: v.phone.trim(), name: v.name?.trim() || undefined, birthday: v.birthday?.trim() || undefined, storeCode: v.storeCode, consentVersion: config.consent.version, consentAccepted: v.consent });
      form.resetFields();
      setError(null);
      onRegistered(member);
    } catch (err) {
      setError(problemText(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Form form={form} layout="vertical" style={{ maxWidth: 560 }} initialValues={{ storeCode: me.stores[0]?.code, consent: false }} onFinish={(v) => void register(v)}>
      {error && <Alert type="error" title={error} style={{ marginBottom: 12 }} data-testid="member-register-error" />}
      <Form.Item name="phone" label={t('members.phone')} rules={[{ required: true, max: 20 }]}>
        <Input inputMode="tel" placeholder={t('members.phonePlaceholder')} data-testid="admin-member-phone" />
      </Form.Item>
      <Form.Item name="name" label={t('members.name')} rules={[{ max: 40 }]}>
        <Input placeholder={t('members.namePlaceholder')} data-testid="admin-member-name" />
      </Form.Item>
      <Form.Item name="birthday" label={t('members.birthday')} rules={[{ pattern: /^\d{4}-\d{2}-\d{2}$/, message: t('members.admin.birthdayFormat') }]}>
        <Input placeholder="1990-05-20" data-testid="admin-member-birthday" />
      </Form.Item>
      <Form.Item name="storeCode" label={t('members.admin.store')} rules={[{ required: true }]}>
        <Select options={me.stores.map((s) => ({ value: s.code, label: `${s.code} · ${s.name}` }))} data-testid="admin-member-store" />
      </Form.Item>
      <Typography.Paragraph style={{ background: '#fafafa', padding: 12 }} data-testid="admin-member-consent-text">
        {config?.consent.text ?? ''}
      </Typography.Paragraph>
      <Form.Item name="consent" valuePropName="checked" rules={[{ validator: (_, v: boolean) => (v ? Promise.resolve() : Promise.reject(new Error(t('members.consentRequired')))) }]}>
        <Checkbox data-testid="admin-member-consent">{t('members.consentAccept', { version: config?.consent.version ?? '' })}</Checkbox>
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={busy} disabled={!config} data-testid="admin-member-register">
        {t('members.admin.registerSubmit')}
      </Button>
    </Form>
  );
}
