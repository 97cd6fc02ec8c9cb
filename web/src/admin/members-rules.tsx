// Back office: the membership rules editor — the tier ladder (add, remove, reorder; thresholds
// typed in yuan, sent as fen) and how points are earned and redeemed. Read-only without
// members.manage. The server checks the whole ladder and names the field it refuses.
import { useEffect, useMemo, useState } from 'react';
import { Alert, Button, Card, Form, Input, InputNumber, Select, Space, Table, Typography } from 'antd';
import type { FormInstance } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, ApiError, problemText } from '../api';
import { formatMoney, parseYuan } from '../money';
import type { MembersConfig } from './members-api';
import { membersApi } from './members-api';

type Rule = MembersConfig['tiers'][number]['rule'];
const RULES: Rule[] = ['spend', 'visits', 'spend_or_visits', 'spend_and_visits'];
const usesSpend = (rule: Rule) => rule !== 'visits';
const usesVisits = (rule: Rule) => rule !== 'spend';
export const yuanOf = (fen: number | undefined) => (fen === undefined ? undefined : formatMoney(fen).slice(1));
export const YUAN = /^\d{1,9}(\.\d{1,2})?$/;
const DECIMAL = /^\d{1,9}(\.\d{1,4})?$/;

interface TierRow {
  code: string;
  name: string;
  rule: Rule;
  minSpendYuan?: string;
  minVisits?: number;
  discountPercent: string;
  pointsMultiplier: string;
}
interface RulesForm {
  tiers: TierRow[];
  pointsPerYuan: string;
  promotionMultiplier?: string;
  excludedCategoryIds: string[];
  categoryMultipliers: Array<{ categoryId: string; multiplier: string }>;
  redeemPoints: number;
  redeemYuan: string;
  maxPercentOfSale: string;
  minPoints: number;
}

function toForm(config: MembersConfig): RulesForm {
  return {
    tiers: config.tiers.map((tier) => ({ code: tier.code, name: tier.name, rule: tier.rule, minSpendYuan: yuanOf(tier.minSpendFen), minVisits: tier.minVisits, discountPercent: tier.discountPercent, pointsMultiplier: tier.pointsMultiplier })),
    pointsPerYuan: config.earn.pointsPerYuan,
    promotionMultiplier: config.earn.promotionMultiplier,
    excludedCategoryIds: config.earn.excludedCategoryIds,
    categoryMultipliers: Object.entries(config.earn.categoryMultipliers).map(([categoryId, multiplier]) => ({ categoryId, multiplier })),
    redeemPoints: config.redeem.rate.points,
    redeemYuan: yuanOf(config.redeem.rate.fen) ?? '',
    maxPercentOfSale: config.redeem.maxPercentOfSale,
    minPoints: config.redeem.minPoints,
  };
}

function fromForm(config: MembersConfig, v: RulesForm): MembersConfig {
  return {
    ...config,
    tiers: v.tiers.map((row, i) => ({
      code: row.code.trim(),
      name: row.name.trim(),
      rule: row.rule,
      ...(i > 0 && usesSpend(row.rule) && row.minSpendYuan ? { minSpendFen: parseYuan(row.minSpendYuan, `tiers.${i}.minSpendYuan`) } : {}),
      ...(i > 0 && usesVisits(row.rule) && row.minVisits !== undefined && row.minVisits !== null ? { minVisits: row.minVisits } : {}),
      discountPercent: row.discountPercent.trim(),
      pointsMultiplier: row.pointsMultiplier.trim(),
    })),
    earn: {
      pointsPerYuan: v.pointsPerYuan.trim(),
      excludedCategoryIds: v.excludedCategoryIds,
      categoryMultipliers: Object.fromEntries(v.categoryMultipliers.filter((c) => c.categoryId).map((c) => [c.categoryId, c.multiplier.trim()])),
      ...(v.promotionMultiplier?.trim() ? { promotionMultiplier: v.promotionMultiplier.trim() } : {}),
    },
    redeem: { rate: { points: v.redeemPoints, fen: parseYuan(v.redeemYuan, 'redeem.rate') }, maxPercentOfSale: v.maxPercentOfSale.trim(), minPoints: v.minPoints },
  };
}

/** The form field a server path such as "tiers.2.minSpendFen" or "redeem.rate.fen" points at. */
function formFieldOf(path: string): Array<string | number> | null {
  const parts = path.split('.');
  if (parts[0] === 'tiers' && parts[1] !== undefined) {
    const field = { minSpendFen: 'minSpendYuan' }[parts[2] ?? ''] ?? parts[2] ?? 'name';
    return ['tiers', Number(parts[1]), field];
  }
  const simple: Record<string, string> = {
    'earn.pointsPerYuan': 'pointsPerYuan',
    'earn.promotionMultiplier': 'promotionMultiplier',
    'earn.excludedCategoryIds': 'excludedCategoryIds',
    'redeem.rate.points': 'redeemPoints',
    'redeem.rate.fen': 'redeemYuan',
    'redeem.maxPercentOfSale': 'maxPercentOfSale',
    'redeem.minPoints': 'minPoints',
  };
  const key = Object.keys(simple).find((k) => path.startsWith(k));
  if (key) return [simple[key] ?? ''];
  return path.startsWith('earn.categoryMultipliers') ? ['categoryMultipliers'] : null;
}

/**
 * Saving the membership settings from an editor: busy while it runs, the outcome to show, and a
 * refusal marked at the form field the server names in `details.field` (`fieldOf` maps a settings
 * path such as "tiers.2.minSpendFen" to the form's field).
 *
 * @example const { busy, message, save } = useMembersConfigSave(form, formFieldOf, onSaved); void save(() => fromForm(config, values))
 */
export function useMembersConfigSave<F>(form: FormInstance<F>, fieldOf: (path: string) => Array<string | number> | null, onSaved: (c: MembersConfig) => void) {
  const { t } = useTranslation();
  const [message, setMessage] = useState<{ type: 'success' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (build: () => MembersConfig) => {
    setBusy(true);
    setMessage(null);
    try {
      const saved = await membersApi.saveConfig(build());
      onSaved(saved);
      setMessage({ type: 'success', text: t('members.rules.saved') });
    } catch (err) {
      const text = problemText(err, t);
      const path = err instanceof ApiError ? err.problem.details?.field : undefined;
      const field = typeof path === 'string' ? fieldOf(path) : null;
      if (field) form.setFields([{ name: field as never, errors: [text] }]);
      setMessage({ type: 'error', text });
    } finally {
      setBusy(false);
    }
  };
  return { busy, message, save };
}

export function MembersRules({ config, canEdit, onSaved }: { config: MembersConfig | null; canEdit: boolean; onSaved: (c: MembersConfig) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<RulesForm>();
  const [categories, setCategories] = useState<Array<{ id: string; code: string; name: string }>>([]);
  const { busy, message, save } = useMembersConfigSave(form, formFieldOf, onSaved);
  const initial = useMemo(() => (config ? toForm(config) : null), [config]);

  useEffect(() => {
    void api<{ categories: Array<{ id: string; code: string; name: string }> }>('GET', '/categories').then((r) => setCategories(r.categories), () => setCategories([]));
  }, []);
  useEffect(() => {
    if (initial) form.setFieldsValue(initial);
  }, [form, initial]);
  if (!config || !initial) return null;

  const categoryOptions = categories.map((c) => ({ value: c.id, label: `${c.code} · ${c.name}` }));

  const required = { required: true, message: t('members.rules.required') };
  const decimal = (max: string) => ({ pattern: DECIMAL, message: t('members.rules.decimal', { max }) });
  // Saves every value, also those without an input on screen (the entry tier's rule).
  return (
    <Form form={form} layout="vertical" initialValues={initial} disabled={!canEdit} onFinish={() => void save(() => fromForm(config, form.getFieldsValue(true) as RulesForm))} data-testid="members-rules-form">
      {!canEdit && <Alert type="info" title={t('members.rules.readOnly')} style={{ marginBottom: 12 }} />}
      <Card title={t('members.admin.tiers')} size="small" style={{ marginBottom: 16 }}>
        <Form.List name="tiers">
          {(fields, { add, remove, move }) => (
            <>
              <Table
                rowKey="key"
                size="small"
                pagination={false}
                dataSource={fields}
                data-testid="members-tiers"
                columns={[
                  { title: t('members.tier'), render: (_, f) => <Form.Item name={[f.name, 'name']} rules={[required, { max: 32 }]} noStyle={false} style={{ margin: 0 }}><Input data-testid={`tier-name-${f.name}`} /></Form.Item> },
                  { title: t('members.admin.tierCode'), render: (_, f) => <Form.Item name={[f.name, 'code']} rules={[required, { pattern: /^[A-Za-z0-9_-]{1,32}$/, message: t('members.rules.code') }]} style={{ margin: 0 }}><Input style={{ width: 100 }} /></Form.Item> },
                  {
                    title: t('members.admin.tierRule'),
                    render: (_, f) =>
                      f.name === 0 ? (
                        t('members.admin.entryTier')
                      ) : (
                        <Form.Item name={[f.name, 'rule']} style={{ margin: 0 }}>
                          <Select style={{ width: 190 }} options={RULES.map((r) => ({ value: r, label: t(`members.admin.rule.${r}`) }))} />
                        </Form.Item>
                      ),
                  },
                  {
                    title: t('members.rules.minSpendYuan'),
                    render: (_, f) => (
                      <Form.Item noStyle shouldUpdate>
                        {() =>
                          f.name > 0 && usesSpend(form.getFieldValue(['tiers', f.name, 'rule']) as Rule) ? (
                            <Form.Item name={[f.name, 'minSpendYuan']} rules={[required, { pattern: YUAN, message: t('members.rules.yuan') }]} style={{ margin: 0 }}>
                              <Input prefix="¥" style={{ width: 130 }} data-testid={`tier-min-spend-${f.name}`} />
                            </Form.Item>
                          ) : (
                            '—'
                          )
                        }
                      </Form.Item>
                    ),
                  },
                  {
                    title: t('members.admin.minVisits'),
                    render: (_, f) => (
                      <Form.Item noStyle shouldUpdate>
                        {() =>
                          f.name > 0 && usesVisits(form.getFieldValue(['tiers', f.name, 'rule']) as Rule) ? (
                            <Form.Item name={[f.name, 'minVisits']} rules={[required]} style={{ margin: 0 }}>
                              <InputNumber min={1} precision={0} style={{ width: 90 }} />
                            </Form.Item>
                          ) : (
                            '—'
                          )
                        }
                      </Form.Item>
                    ),
                  },
                  { title: t('members.rules.discountPercent'), render: (_, f) => <Form.Item name={[f.name, 'discountPercent']} rules={[required, decimal('100')]} style={{ margin: 0 }}><Input suffix="%" style={{ width: 90 }} /></Form.Item> },
                  { title: t('members.admin.multiplier'), render: (_, f) => <Form.Item name={[f.name, 'pointsMultiplier']} rules={[required, decimal('100')]} style={{ margin: 0 }}><Input prefix="×" style={{ width: 90 }} /></Form.Item> },
                  {
                    title: '',
                    render: (_, f) => (
                      <Space size={4}>
                        <Button size="small" disabled={!canEdit || f.name <= 1} onClick={() => move(f.name, f.name - 1)} title={t('members.rules.up')}>↑</Button>
                        <Button size="small" disabled={!canEdit || f.name === 0 || f.name === fields.length - 1} onClick={() => move(f.name, f.name + 1)} title={t('members.rules.down')}>↓</Button>
                        <Button size="small" danger disabled={!canEdit || f.name === 0} onClick={() => remove(f.name)}>
                          {t('members.rules.remove')}
                        </Button>
                      </Space>
                    ),
                  },
                ]}
              />
              {canEdit && (
                <Button style={{ marginTop: 8 }} onClick={() => add({ code: `tier${fields.length + 1}`, name: '', rule: 'spend', discountPercent: '0', pointsMultiplier: '1' })} data-testid="tier-add">
                  {t('members.rules.addTier')}
                </Button>
              )}
              <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
                {t('members.rules.ladderHint')}
              </Typography.Paragraph>
            </>
          )}
        </Form.List>
      </Card>
      <Card title={t('members.admin.pointsRules')} size="small" style={{ marginBottom: 16 }} data-testid="members-points-rules">
        <Space wrap size="large" align="start">
          <Form.Item name="pointsPerYuan" label={t('members.rules.pointsPerYuan')} rules={[required, decimal('10000')]}>
            <Input style={{ width: 120 }} />
          </Form.Item>
          <Form.Item name="promotionMultiplier" label={t('members.admin.promotionMultiplier')} rules={[decimal('100')]}>
            <Input prefix="×" style={{ width: 120 }} placeholder="1" />
          </Form.Item>
          <Form.Item name="excludedCategoryIds" label={t('members.rules.excluded')}>
            <Select mode="multiple" style={{ minWidth: 280 }} options={categoryOptions} optionFilterProp="label" />
          </Form.Item>
        </Space>
        <Typography.Text>{t('members.rules.categoryMultipliers')}</Typography.Text>
        <Form.List name="categoryMultipliers">
          {(fields, { add, remove }) => (
            <Space direction="vertical" style={{ width: '100%', marginTop: 8 }}>
              {fields.map((f) => (
                <Space key={f.key} align="start">
                  <Form.Item name={[f.name, 'categoryId']} rules={[required]} style={{ margin: 0 }}>
                    <Select style={{ width: 280 }} options={categoryOptions} optionFilterProp="label" showSearch />
                  </Form.Item>
                  <Form.Item name={[f.name, 'multiplier']} rules={[required, decimal('100')]} style={{ margin: 0 }}>
                    <Input prefix="×" style={{ width: 100 }} />
                  </Form.Item>
                  <Button danger onClick={() => remove(f.name)}>
                    {t('members.rules.remove')}
                  </Button>
                </Space>
              ))}
              {canEdit && <Button onClick={() => add({ categoryId: '', multiplier: '2' })}>{t('members.rules.addMultiplier')}</Button>}
            </Space>
          )}
        </Form.List>
        <Space wrap size="large" align="start" style={{ marginTop: 16 }}>
          <Form.Item name="redeemPoints" label={t('members.rules.redeemPoints')} rules={[required]}>
            <InputNumber min={1} precision={0} style={{ width: 120 }} />
          </Form.Item>
          <Form.Item name="redeemYuan" label={t('members.rules.redeemYuan')} rules={[required, { pattern: YUAN, message: t('members.rules.yuan') }]}>
            <Input prefix="¥" style={{ width: 120 }} />
          </Form.Item>
          <Form.Item name="maxPercentOfSale" label={t('members.rules.maxPercent')} rules={[required, decimal('100')]}>
            <Input suffix="%" style={{ width: 100 }} />
          </Form.Item>
          <Form.Item name="minPoints" label={t('members.rules.minPoints')} rules={[required]}>
            <InputNumber min={0} precision={0} style={{ width: 120 }} />
          </Form.Item>
        </Space>
        <Typography.Paragraph type="secondary" data-testid="members-redeem-rate">
          {t('members.points.rate', { points: config.redeem.rate.points, money: formatMoney(config.redeem.rate.fen), percent: config.redeem.maxPercentOfSale, min: config.redeem.minPoints })}
        </Typography.Paragraph>
      </Card>
      {message && <Alert type={message.type} title={message.text} style={{ marginBottom: 12 }} data-testid="members-rules-message" />}
      {canEdit && (
        <Space>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="members-rules-save">
            {t('members.rules.save')}
          </Button>
          <Button onClick={() => form.setFieldsValue(initial)}>{t('members.rules.reset')}</Button>
        </Space>
      )}
      <Card title={t('members.admin.consent', { version: config.consent.version })} size="small" style={{ marginTop: 16 }}>
        <Typography.Paragraph>{config.consent.text}</Typography.Paragraph>
      </Card>
    </Form>
  );
}
