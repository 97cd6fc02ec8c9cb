// Back office: 门店与区域 — HQ sees every store with its region and its node's health (online, last
// push and pull, queue, version, clock skew, sync exceptions) and edits stores and regions; a store
// node's back office shows its own sync status.
import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Card, Descriptions, Form, Input, List, Modal, Select, Space, Table, Tag, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, problemText, type Me } from '../api';
import { formatMoney } from '../money';
import { SyncExceptionsModal } from './sync-exceptions';
import type { ChainHealth, StoreHealth } from '../../../src/sync/health';

type RegionRow = ChainHealth['regions'][number];
interface OwnStatus {
  role: string;
  hqReachable: boolean | null;
  lastPushAt: string | null;
  lastPullAt: string | null;
  queuedEvents: number;
  oldestUnsyncedAt: string | null;
}
interface StoreForm {
  code: string;
  name: string;
  regionCode: string | null;
  address: string;
  timeZone: string;
  dayCutover: string;
}

/** A timestamp in the store's own time zone (or a dash). */
function useStoreTime() {
  const { t, i18n } = useTranslation();
  return (iso: string | null | undefined, timeZone: string) =>
    iso ? new Intl.DateTimeFormat(i18n.language, { timeZone, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date(iso)) : t('chain.never');
}

export function StoresPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [own, setOwn] = useState<OwnStatus | null>(null);
  useEffect(() => {
    void api<OwnStatus>('GET', '/sync/status').then(setOwn, () => setOwn(null));
  }, []);
  const chainWide = me.grants.some((g) => g.scopeKind === 'all');
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {own?.role === 'store' && <OwnSync status={own} />}
      {own && own.role !== 'store' && chainWide ? (
        <ChainPanel canEdit={me.permissions.includes('store.manage')} />
      ) : (
        <Card title={t('admin.stores')}>
          <List dataSource={me.stores} renderItem={(s) => <List.Item>{`${s.code} · ${s.name}`}</List.Item>} />
        </Card>
      )}
    </Space>
  );
}

function OwnSync({ status }: { status: OwnStatus }) {
  const { t } = useTranslation();
  const time = useStoreTime();
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (
    <Card title={t('chain.thisNode')} data-testid="own-sync">
      <Descriptions size="small" column={3}>
        <Descriptions.Item label={t('chain.hqReachable')}>{status.hqReachable === false ? <Tag color="red">{t('chain.unreachable')}</Tag> : <Tag color="green">{t('chain.reachable')}</Tag>}</Descriptions.Item>
        <Descriptions.Item label={t('chain.lastPush')}>{time(status.lastPushAt, zone)}</Descriptions.Item>
        <Descriptions.Item label={t('chain.lastPull')}>{time(status.lastPullAt, zone)}</Descriptions.Item>
        <Descriptions.Item label={t('chain.queued')}>{status.queuedEvents}</Descriptions.Item>
        <Descriptions.Item label={t('chain.oldestUnsynced')}>{status.oldestUnsyncedAt ? time(status.oldestUnsyncedAt, zone) : t('chain.none')}</Descriptions.Item>
      </Descriptions>
    </Card>
  );
}

interface Override {
  skuCode: string;
  name: string;
  priceFen: number;
  hqPriceFen: number;
  setAt: string;
  revokedAt: string | null;
  inEffect: boolean;
}

/** A store's own prices beside HQ's (set at the store where HQ's policy allows); HQ may revoke one. */
function StoreOverrides({ storeCode, canRevoke }: { storeCode: string; canRevoke: boolean }) {
  const { t } = useTranslation();
  const [rows, setRows] = useState<Override[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => setRows((await api<{ overrides: Override[] }>('GET', `/stores/${encodeURIComponent(storeCode)}/price-overrides`)).overrides), [storeCode]);
  useEffect(() => {
    void load().catch((err: unknown) => setError(problemText(err, t)));
  }, [load, t]);
  const revoke = (code: string) => void api('POST', `/stores/${encodeURIComponent(storeCode)}/price-overrides/${encodeURIComponent(code)}/revoke`).then(load, (err: unknown) => setError(problemText(err, t)));
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {error && <Alert type="error" title={error} />}
      <Table<Override>
        rowKey="skuCode"
        size="small"
        pagination={false}
        dataSource={rows ?? []}
        locale={{ emptyText: t('chain.noOverrides') }}
        columns={[
          { title: t('chain.overrides'), render: (_v, o) => `${o.skuCode} ${o.name}` },
          { title: t('chain.storePrice'), align: 'right', render: (_v, o) => formatMoney(o.priceFen) },
          { title: t('chain.hqPrice'), align: 'right', render: (_v, o) => formatMoney(o.hqPriceFen) },
          { title: t('chain.status'), render: (_v, o) => (o.inEffect ? <Tag color="blue">{t('chain.inEffect')}</Tag> : <Tag>{t('chain.revoked')}</Tag>) },
          ...(canRevoke ? [{ title: '', key: 'revoke', render: (_v: unknown, o: Override) => o.inEffect && <Button size="small" danger onClick={() => revoke(o.skuCode)}>{t('chain.revoke')}</Button> }] : []),
        ]}
      />
    </Space>
  );
}

function ChainPanel({ canEdit }: { canEdit: boolean }) {
  const { t } = useTranslation();
  const time = useStoreTime();
  const [chain, setChain] = useState<ChainHealth | null>(null);
  const [message, setMessage] = useState<{ type: 'success' | 'error'; text: string } | null>(null);
  const [editing, setEditing] = useState<StoreHealth | 'new' | null>(null);
  const [region, setRegion] = useState<RegionRow | 'new' | null>(null);
  const [exceptionsOf, setExceptionsOf] = useState<StoreHealth | null>(null);
  const [form] = Form.useForm<StoreForm>();
  const [regionForm] = Form.useForm<{ code: string; name: string }>();

  const load = useCallback(async () => setChain(await api<ChainHealth>('GET', '/sync/nodes')), []);
  useEffect(() => {
    void load().catch((err: unknown) => setMessage({ type: 'error', text: problemText(err, t) }));
  }, [load, t]);

  const run = async (act: () => Promise<unknown>) => {
    try {
      await act();
      setMessage({ type: 'success', text: t('chain.saved') });
      await load();
      return true;
    } catch (err) {
      setMessage({ type: 'error', text: problemText(err, t) });
      return false;
    }
  };
  const openStore = (s: StoreHealth | 'new') => {
    setEditing(s);
    const regionCode = s === 'new' ? null : (chain?.regions.find((r) => r.id === s.regionId)?.code ?? null);
    form.setFieldsValue(s === 'new' ? { code: '', name: '', regionCode: null, address: '', timeZone: 'Asia/Shanghai', dayCutover: '00:00' } : { code: s.code, name: s.name, regionCode, address: s.address ?? '', timeZone: s.timeZone, dayCutover: s.dayCutover });
  };
  const saveStore = async () => {
    const v = await form.validateFields();
    const body = { name: v.name, regionCode: v.regionCode ?? null, address: v.address || null, timeZone: v.timeZone, dayCutover: v.dayCutover };
    const ok = await run(() => (editing === 'new' ? api('POST', '/stores', { ...body, code: v.code }) : api('PATCH', `/stores/${encodeURIComponent(editing?.code ?? '')}`, body)));
    if (ok) setEditing(null);
  };
  const openRegion = (r: RegionRow | 'new') => {
    setRegion(r);
    regionForm.setFieldsValue(r === 'new' ? { code: '', name: '' } : { code: r.code, name: r.name });
  };
  const saveRegion = async () => {
    const v = await regionForm.validateFields();
    const ok = await run(() => (region === 'new' ? api('POST', '/regions', v) : api('PATCH', `/regions/${encodeURIComponent(region?.code ?? '')}`, { name: v.name })));
    if (ok) setRegion(null);
  };

  const status = (s: StoreHealth) =>
    !s.node ? <Tag>{t('chain.noNode')}</Tag> : s.node.online ? <Tag color="green">{t('chain.online')}</Tag> : <Tag color="red">{t('chain.offline')}</Tag>;

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {message && <Alert type={message.type} title={message.text} closable onClose={() => setMessage(null)} data-testid="chain-message" />}
      <Card
        title={t('chain.stores')}
        extra={
          <Space>
            <Tooltip title={t('chain.onlineHint', { minutes: chain?.onlineWithinMinutes ?? 3 })}>
              <span>ⓘ</span>
            </Tooltip>
            {canEdit && (
              <Button type="primary" onClick={() => openStore('new')} data-testid="store-new">
                {t('chain.newStore')}
              </Button>
            )}
          </Space>
        }
      >
        <Table<StoreHealth>
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={chain?.stores ?? []}
          data-testid="chain-stores"
          scroll={{ x: true }}
          expandable={{ expandedRowRender: (s) => <StoreOverrides storeCode={s.code} canRevoke={canEdit} /> }}
          columns={[
            { title: t('chain.code'), dataIndex: 'code', width: 80 },
            { title: t('chain.name'), dataIndex: 'name' },
            { title: t('chain.region'), render: (_v, s) => s.regionName ?? '—' },
            { title: t('chain.address'), render: (_v, s) => s.address ?? '—' },
            { title: t('chain.timeZone'), render: (_v, s) => `${s.timeZone} · ${s.dayCutover}` },
            { title: t('chain.status'), render: (_v, s) => status(s) },
            { title: t('chain.lastPush'), render: (_v, s) => (s.node ? time(s.node.lastPushAt, s.timeZone) : '—') },
            { title: t('chain.lastPull'), render: (_v, s) => (s.node ? time(s.node.lastPullAt, s.timeZone) : '—') },
            { title: t('chain.queued'), align: 'right', render: (_v, s) => s.node?.queuedEvents ?? '—' },
            { title: t('chain.version'), render: (_v, s) => s.node?.appVersion ?? '—' },
            { title: t('chain.clockSkew'), align: 'right', render: (_v, s) => (s.node?.clockSkewMs == null ? '—' : t('chain.seconds', { n: (s.node.clockSkewMs / 1000).toFixed(1) })) },
            { title: t('chain.exceptions'), align: 'right', render: (_v, s) => (
                <Button size="small" type="link" onClick={() => setExceptionsOf(s)} data-testid={`store-exceptions-${s.code}`}>
                  {s.syncExceptions > 0 ? <Tag color="orange">{s.syncExceptions}</Tag> : 0}
                </Button>
              ) },
            ...(canEdit ? [{ title: '', key: 'edit', render: (_v: unknown, s: StoreHealth) => <Button size="small" onClick={() => openStore(s)} data-testid={`store-edit-${s.code}`}>{t('chain.edit')}</Button> }] : []),
          ]}
        />
      </Card>
      <Card
        title={t('chain.regions')}
        extra={
          canEdit && (
            <Button onClick={() => openRegion('new')} data-testid="region-new">
              {t('chain.newRegion')}
            </Button>
          )
        }
      >
        <Table<RegionRow>
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={chain?.regions ?? []}
          data-testid="chain-regions"
          columns={[
            { title: t('chain.code'), dataIndex: 'code', width: 100 },
            { title: t('chain.name'), dataIndex: 'name', width: 200 },
            { title: t('chain.stores'), render: (_v, r) => r.storeCodes.map((c) => chain?.stores.find((s) => s.code === c)?.name ?? c).join('、') || '—' },
            ...(canEdit ? [{ title: '', key: 'edit', width: 80, render: (_v: unknown, r: RegionRow) => <Button size="small" onClick={() => openRegion(r)}>{t('chain.edit')}</Button> }] : []),
          ]}
        />
      </Card>
      {exceptionsOf && (
        <SyncExceptionsModal
          storeCode={exceptionsOf.code}
          time={(iso) => time(iso, exceptionsOf.timeZone)}
          canResolve={canEdit}
          onClose={() => {
            setExceptionsOf(null);
            void load().catch((err: unknown) => setMessage({ type: 'error', text: problemText(err, t) }));
          }}
        />
      )}
      <Modal open={editing !== null} title={editing === 'new' ? t('chain.newStore') : t('chain.editStore')} onOk={() => void saveStore()} onCancel={() => setEditing(null)} okText={t('chain.save')} okButtonProps={{ 'data-testid': 'store-save' } as Record<`data-${string}`, string>} destroyOnHidden forceRender>
        <Form form={form} layout="vertical">
          <Form.Item name="code" label={t('chain.code')} rules={[{ required: true, pattern: /^[A-Z0-9][A-Z0-9_-]{0,15}$/ }]}>
            <Input disabled={editing !== 'new'} data-testid="store-code" />
          </Form.Item>
          <Form.Item name="name" label={t('chain.name')} rules={[{ required: true, max: 60 }]}>
            <Input data-testid="store-name" />
          </Form.Item>
          <Form.Item name="regionCode" label={t('chain.region')}>
            <Select allowClear options={(chain?.regions ?? []).map((r) => ({ value: r.code, label: `${r.code} ${r.name}` }))} />
          </Form.Item>
          <Form.Item name="address" label={t('chain.address')} rules={[{ max: 200 }]}>
            <Input data-testid="store-address" />
          </Form.Item>
          <Space>
            <Form.Item name="timeZone" label={t('chain.timeZone')} rules={[{ required: true }]}>
              <Input style={{ width: 200 }} />
            </Form.Item>
            <Form.Item name="dayCutover" label={t('chain.dayCutover')} rules={[{ required: true, pattern: /^\d{2}:\d{2}$/ }]}>
              <Input style={{ width: 100 }} />
            </Form.Item>
          </Space>
        </Form>
      </Modal>
      <Modal open={region !== null} title={region === 'new' ? t('chain.newRegion') : t('chain.editRegion')} onOk={() => void saveRegion()} onCancel={() => setRegion(null)} okText={t('chain.save')} destroyOnHidden forceRender>
        <Form form={regionForm} layout="vertical">
          <Form.Item name="code" label={t('chain.code')} rules={[{ required: true, pattern: /^[A-Z0-9][A-Z0-9_-]{0,15}$/ }]}>
            <Input disabled={region !== 'new'} />
          </Form.Item>
          <Form.Item name="name" label={t('chain.name')} rules={[{ required: true, max: 60 }]}>
            <Input />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}
