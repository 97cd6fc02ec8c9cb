// Back office: the points rewards editor — gifts (a SKU for points, or points plus a cash part) and
// coupons bought with points. Amounts are typed in yuan and sent as fen; read-only without
// members.manage. The server checks the lists and names the field it refuses.
import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Button, Card, Form, Input, InputNumber, Select, Space, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatMoney, parseYuan } from '../money';
import { tillApi } from '../pos/till-api';
import type { MembersConfig } from './members-api';
import { useMembersConfigSave, YUAN, yuanOf } from './members-rules';

interface GiftRow {
  skuId?: string;
  points?: number;
  cashYuan?: string;
}
interface OfferRow {
  id: string;
  name: string;
  points?: number;
  valueYuan?: string;
  minSpendYuan?: string;
  validDays?: number;
}
interface RewardsForm {
  gifts: GiftRow[];
  couponOffers: OfferRow[];
}
interface SkuOption {
  value: string;
  label: string;
}

const MAX_POINTS = 100_000_000;
const skuLabel = (p: { code: string; name: string; priceFen: number }) => `${p.code} · ${p.name} · ${formatMoney(p.priceFen)}`;

function toForm(config: MembersConfig): RewardsForm {
  return {
    gifts: config.gifts.map((g) => ({ skuId: g.skuId, points: g.points, cashYuan: g.cashFen ? yuanOf(g.cashFen) : '' })),
    couponOffers: config.couponOffers.map((o) => ({ id: o.id, name: o.name, points: o.points, valueYuan: yuanOf(o.valueFen), minSpendYuan: yuanOf(o.minSpendFen), validDays: o.validDays })),
  };
}

/** The settings with the form's lists; an empty cash part or threshold is 0. */
function fromForm(config: MembersConfig, v: RewardsForm): MembersConfig {
  const fenOr0 = (yuan: string | undefined, field: string) => (yuan?.trim() ? parseYuan(yuan, field) : 0);
  return {
    ...config,
    gifts: v.gifts.map((g, i) => ({ skuId: g.skuId ?? '', points: g.points ?? 0, cashFen: fenOr0(g.cashYuan, `gifts.${i}.cashYuan`) })),
    couponOffers: v.couponOffers.map((o, i) => ({
      id: o.id.trim(),
      name: o.name.trim(),
      points: o.points ?? 0,
      valueFen: fenOr0(o.valueYuan, `couponOffers.${i}.valueYuan`),
      minSpendFen: fenOr0(o.minSpendYuan, `couponOffers.${i}.minSpendYuan`),
      validDays: o.validDays ?? 0,
    })),
  };
}

/**
 * The form field a server path such as "gifts.1.cashFen" or "couponOffers.0" (an offer listed
 * twice) points at.
 */
function formFieldOf(path: string): Array<string | number> | null {
  const [list, index, field] = path.split('.');
  if ((list !== 'gifts' && list !== 'couponOffers') || index === undefined) return null;
  const renamed: Record<string, string> = { cashFen: 'cashYuan', valueFen: 'valueYuan', minSpendFen: 'minSpendYuan' };
  return [list, Number(index), renamed[field ?? ''] ?? field ?? (list === 'gifts' ? 'skuId' : 'id')];
}

/** Picks a SKU by searching the catalog (name, code or barcode), shown as code · name · price. */
function SkuSelect({ value, onChange, labels, onFound, testId }: { value?: string; onChange?: (skuId: string) => void; labels: Map<string, string>; onFound: (found: SkuOption[]) => void; testId: string }) {
  const { t } = useTranslation();
  const [hits, setHits] = useState<SkuOption[]>([]);
  const [searching, setSearching] = useState(false);
  const latest = useRef('');
  const search = (q: string) => {
    latest.current = q.trim();
    if (!latest.current) return;
    setSearching(true);
    tillApi.search(latest.current).then(
      (r) => {
        if (latest.current !== q.trim()) return; // a later search is on its way
        const found = r.products.map((p) => ({ value: p.skuId, label: skuLabel(p) }));
        setHits(found);
        onFound(found);
        setSearching(false);
      },
      () => setSearching(false),
    );
  };
  const options = value && !hits.some((h) => h.value === value) ? [{ value, label: labels.get(value) ?? value }, ...hits] : hits;
  return (
    <Select
      value={value}
      onChange={onChange}
      options={options}
      showSearch={{ filterOption: false, onSearch: search }}
      loading={searching}
      placeholder={t('members.rewards.searchSku')}
      notFoundContent={null}
      style={{ width: 360 }}
      data-testid={testId}
    />
  );
}

export function MembersRewards({ config, canEdit, onSaved }: { config: MembersConfig | null; canEdit: boolean; onSaved: (c: MembersConfig) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<RewardsForm>();
  const [labels, setLabels] = useState<Map<string, string>>(new Map());
  const { busy, message, save } = useMembersConfigSave(form, formFieldOf, onSaved);
  const initial = useMemo(() => (config ? toForm(config) : null), [config]);

  // The gifts' SKU names, as the till sees them.
  useEffect(() => {
    tillApi.rewards().then(
      (r) => setLabels((known) => new Map([...known, ...r.gifts.map((g) => [g.skuId, skuLabel(g)] as const)])),
      () => undefined,
    );
  }, [config]);
  useEffect(() => {
    if (initial) form.setFieldsValue(initial);
  }, [form, initial]);
  if (!config || !initial) return null;

  const learn = (found: SkuOption[]) => setLabels((known) => new Map([...known, ...found.map((f) => [f.value, f.label] as const)]));
  const required = { required: true, message: t('members.rules.required') };
  const yuan = { pattern: YUAN, message: t('members.rules.yuan') };
  const cell = { style: { margin: 0 } };
  const removeButton = (onClick: () => void, testId: string) => (
    <Button size="small" danger disabled={!canEdit} onClick={onClick} data-testid={testId}>
      {t('members.rules.remove')}
    </Button>
  );
  return (
    <Form form={form} layout="vertical" initialValues={initial} disabled={!canEdit} onFinish={(values) => void save(() => fromForm(config, values))} data-testid="members-rewards-form">
      {!canEdit && <Alert type="info" title={t('members.rules.readOnly')} style={{ marginBottom: 12 }} />}
      <Card title={t('members.rewards.gifts')} size="small" style={{ marginBottom: 16 }}>
        <Form.List name="gifts">
          {(fields, { add, remove }) => (
            <>
              <Table
                rowKey="key"
                size="small"
                pagination={false}
                dataSource={fields}
                data-testid="members-gifts"
                columns={[
                  { title: t('members.rewards.sku'), render: (_, f) => <Form.Item name={[f.name, 'skuId']} rules={[required]} {...cell}><SkuSelect labels={labels} onFound={learn} testId={`gift-sku-${f.name}`} /></Form.Item> },
                  { title: t('members.rewards.points'), render: (_, f) => <Form.Item name={[f.name, 'points']} rules={[required]} {...cell}><InputNumber min={1} max={MAX_POINTS} precision={0} style={{ width: 120 }} data-testid={`gift-points-${f.name}`} /></Form.Item> },
                  { title: t('members.rewards.cashYuan'), render: (_, f) => <Form.Item name={[f.name, 'cashYuan']} rules={[yuan]} {...cell}><Input prefix="¥" placeholder="0.00" style={{ width: 120 }} data-testid={`gift-cash-${f.name}`} /></Form.Item> },
                  { title: '', render: (_, f) => removeButton(() => remove(f.name), `gift-remove-${f.name}`) },
                ]}
              />
              {canEdit && (
                <Button style={{ marginTop: 8 }} onClick={() => add({ cashYuan: '' })} data-testid="gift-add">
                  {t('members.rewards.addGift')}
                </Button>
              )}
              <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
                {t('members.rewards.giftsHint')}
              </Typography.Paragraph>
            </>
          )}
        </Form.List>
      </Card>
      <Card title={t('members.rewards.offers')} size="small" style={{ marginBottom: 16 }}>
        <Form.List name="couponOffers">
          {(fields, { add, remove }) => (
            <>
              <Table
                rowKey="key"
                size="small"
                pagination={false}
                dataSource={fields}
                data-testid="members-coupon-offers"
                columns={[
                  { title: t('members.admin.tierCode'), render: (_, f) => <Form.Item name={[f.name, 'id']} rules={[required, { pattern: /^[A-Za-z0-9_-]{1,32}$/, message: t('members.rules.code') }]} {...cell}><Input style={{ width: 90 }} data-testid={`offer-id-${f.name}`} /></Form.Item> },
                  { title: t('members.rewards.name'), render: (_, f) => <Form.Item name={[f.name, 'name']} rules={[required, { max: 40 }]} {...cell}><Input style={{ width: 160 }} data-testid={`offer-name-${f.name}`} /></Form.Item> },
                  { title: t('members.rewards.points'), render: (_, f) => <Form.Item name={[f.name, 'points']} rules={[required]} {...cell}><InputNumber min={1} max={MAX_POINTS} precision={0} style={{ width: 110 }} data-testid={`offer-points-${f.name}`} /></Form.Item> },
                  { title: t('members.rewards.valueYuan'), render: (_, f) => <Form.Item name={[f.name, 'valueYuan']} rules={[required, yuan]} {...cell}><Input prefix="¥" style={{ width: 110 }} data-testid={`offer-value-${f.name}`} /></Form.Item> },
                  { title: t('members.rewards.minSpendYuan'), render: (_, f) => <Form.Item name={[f.name, 'minSpendYuan']} rules={[yuan]} {...cell}><Input prefix="¥" placeholder="0.00" style={{ width: 120 }} data-testid={`offer-min-spend-${f.name}`} /></Form.Item> },
                  { title: t('members.rewards.validDays'), render: (_, f) => <Form.Item name={[f.name, 'validDays']} rules={[required]} {...cell}><InputNumber min={1} max={3650} precision={0} style={{ width: 90 }} data-testid={`offer-days-${f.name}`} /></Form.Item> },
                  { title: '', render: (_, f) => removeButton(() => remove(f.name), `offer-remove-${f.name}`) },
                ]}
              />
              {canEdit && (
                <Button style={{ marginTop: 8 }} onClick={() => add({ id: `C${fields.length + 1}`, name: '', minSpendYuan: '', validDays: 30 })} data-testid="offer-add">
                  {t('members.rewards.addOffer')}
                </Button>
              )}
              <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
                {t('members.rewards.offersHint')}
              </Typography.Paragraph>
            </>
          )}
        </Form.List>
      </Card>
      {message && <Alert type={message.type} title={message.text} style={{ marginBottom: 12 }} data-testid="members-rewards-message" />}
      {canEdit && (
        <Space>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="members-rewards-save">
            {t('members.rules.save')}
          </Button>
          <Button onClick={() => form.setFieldsValue(initial)}>{t('members.rules.reset')}</Button>
        </Space>
      )}
    </Form>
  );
}
