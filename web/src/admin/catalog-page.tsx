// Back office: products — search, create, edit, import and export CSV (UTF-8 or GBK).
import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Form, Input, InputNumber, Modal, Select, Space, Switch, Table, Tabs, Upload } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, problemText } from '../api';
import { formatMoney, parseYuan } from '../money';
import { CategoriesPanel } from './categories-panel';
import type { Product } from '../../../src/catalog/schema';

interface Category {
  id: string;
  code: string;
  name: string;
}
interface FormValues {
  code: string;
  name: string;
  unit: 'piece' | 'kg';
  categoryCode: string;
  price: number;
  cost: number;
  barcodes: string;
  plu: string;
  active: boolean;
}

const PAGE = 20;

/** Products and categories, as two tabs. */
export function CatalogPage() {
  const { t } = useTranslation();
  return (
    <Tabs
      items={[
        { key: 'products', label: t('catalog.products'), children: <ProductsPanel /> },
        { key: 'categories', label: t('catalog.categories'), children: <CategoriesPanel /> },
      ]}
    />
  );
}

function ProductsPanel() {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ total: number; products: Product[] }>({ total: 0, products: [] });
  const [categories, setCategories] = useState<Category[]>([]);
  const [editing, setEditing] = useState<Product | 'new' | null>(null);
  const [message, setMessage] = useState<{ type: 'success' | 'error'; text: string } | null>(null);
  const [form] = Form.useForm<FormValues>();

  const load = useCallback(async () => {
    setData(await api('GET', `/products?q=${encodeURIComponent(q)}&limit=${PAGE}&offset=${(page - 1) * PAGE}&inactive=true`));
  }, [q, page]);

  useEffect(() => {
    void load().catch((err: unknown) => setMessage({ type: 'error', text: problemText(err, t) }));
  }, [load, t]);
  useEffect(() => {
    void api<{ categories: Category[] }>('GET', '/categories').then((r) => setCategories(r.categories));
  }, []);

  const categoryCode = (id: string) => categories.find((c) => c.id === id)?.code ?? '';
  const open = (p: Product | 'new') => {
    setEditing(p);
    form.setFieldsValue(
      p === 'new'
        ? { code: '', name: '', unit: 'piece', categoryCode: categories[0]?.code ?? '', price: 0, cost: 0, barcodes: '', plu: '', active: true }
        : { code: p.code, name: p.name, unit: p.unit, categoryCode: categoryCode(p.categoryId), price: p.priceFen / 100, cost: (p.costFen ?? 0) / 100, barcodes: p.barcodes.join(' '), plu: p.plu ?? '', active: p.active },
    );
  };
  const save = async () => {
    const v = await form.validateFields();
    try {
      await saveValues(v);
    } catch (err) {
      setMessage({ type: 'error', text: problemText(err, t) });
    }
  };
  const saveValues = async (v: FormValues) => {
    const body = {
      name: v.name,
      unit: v.unit,
      categoryCode: v.categoryCode,
      priceFen: parseYuan(v.price.toFixed(2), t('catalog.price')),
      costFen: parseYuan((v.cost ?? 0).toFixed(2), t('catalog.cost')),
      barcodes: v.barcodes.split(/[\s,;|]+/).filter(Boolean),
      plu: v.plu || null,
      active: v.active,
    };
    if (editing === 'new') await api('POST', '/products', { ...body, code: v.code });
    else if (editing) await api('PUT', `/products/${encodeURIComponent(editing.code)}`, body);
    setEditing(null);
    setMessage({ type: 'success', text: t('catalog.saved') });
    await load();
  };
  const importFile = async (file: File) => {
    const csrf = document.cookie.split('; ').find((c) => c.startsWith('tp_csrf='))?.slice(8) ?? '';
    const res = await fetch('/api/v1/catalog/import', { method: 'POST', headers: { 'content-type': 'text/csv', 'x-csrf-token': csrf }, body: file });
    const body = (await res.json()) as { created?: number; updated?: number; detail?: string };
    setMessage(res.ok ? { type: 'success', text: t('catalog.imported', { created: body.created, updated: body.updated }) } : { type: 'error', text: body.detail ?? res.statusText });
    if (res.ok) await load();
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {message && <Alert type={message.type} title={message.text} closable onClose={() => setMessage(null)} data-testid="catalog-message" />}
      <Space wrap>
        <Input.Search placeholder={t('catalog.search')} allowClear onSearch={(v) => { setPage(1); setQ(v); }} style={{ width: 320 }} data-testid="catalog-search" />
        <Button type="primary" onClick={() => open('new')} data-testid="catalog-new">
          {t('catalog.new')}
        </Button>
        <Upload accept=".csv,text/csv" showUploadList={false} beforeUpload={(file) => { void importFile(file); return false; }}>
          <Button>{t('catalog.import')}</Button>
        </Upload>
        <Button href="/api/v1/catalog/export">{t('catalog.export')}</Button>
      </Space>
      <Table<Product>
        rowKey="skuId"
        size="small"
        dataSource={data.products}
        pagination={{ current: page, pageSize: PAGE, total: data.total, showSizeChanger: false, onChange: setPage }}
        onRow={(p) => ({ onDoubleClick: () => open(p) })}
        columns={[
          { title: t('catalog.code'), dataIndex: 'code', width: 110 },
          { title: t('catalog.name'), dataIndex: 'name' },
          { title: t('catalog.barcodes'), render: (_v, p) => p.barcodes.join(' ') || (p.plu ? `PLU ${p.plu}` : ''), width: 170 },
          { title: t('catalog.category'), render: (_v, p) => categories.find((c) => c.id === p.categoryId)?.name ?? '', width: 110 },
          { title: t('catalog.price'), align: 'right', width: 110, render: (_v, p) => `${formatMoney(p.priceFen)}${p.unit === 'kg' ? '/kg' : ''}` },
          { title: t('catalog.cost'), align: 'right', width: 100, render: (_v, p) => (p.costFen === undefined ? '' : formatMoney(p.costFen)) },
          { title: t('catalog.active'), width: 70, render: (_v, p) => (p.active ? '✓' : '—') },
          { title: '', width: 70, render: (_v, p) => <Button size="small" onClick={() => open(p)}>{t('catalog.edit')}</Button> },
        ]}
      />
      <Modal open={editing !== null} title={editing === 'new' ? t('catalog.new') : t('catalog.edit')} onOk={() => void save()} onCancel={() => setEditing(null)} okText={t('catalog.save')} okButtonProps={{ 'data-testid': 'product-save' } as Record<`data-${string}`, string>} destroyOnHidden forceRender>
        <Form form={form} layout="vertical">
          <Form.Item name="code" label={t('catalog.code')} rules={[{ required: true, pattern: /^[A-Za-z0-9_-]{1,32}$/ }]}>
            <Input disabled={editing !== 'new'} data-testid="product-code" />
          </Form.Item>
          <Form.Item name="name" label={t('catalog.name')} rules={[{ required: true, max: 120 }]}>
            <Input data-testid="product-name" />
          </Form.Item>
          <Space>
            <Form.Item name="unit" label={t('catalog.unit')}>
              <Select style={{ width: 120 }} options={[{ value: 'piece', label: t('catalog.piece') }, { value: 'kg', label: t('catalog.kg') }]} />
            </Form.Item>
            <Form.Item name="categoryCode" label={t('catalog.category')} rules={[{ required: true }]}>
              <Select style={{ width: 200 }} showSearch optionFilterProp="label" options={categories.map((c) => ({ value: c.code, label: `${c.code} ${c.name}` }))} />
            </Form.Item>
          </Space>
          <Space>
            <Form.Item name="price" label={t('catalog.priceYuan')} rules={[{ required: true }]}>
              <InputNumber min={0} max={1_000_000} precision={2} data-testid="product-price" />
            </Form.Item>
            <Form.Item name="cost" label={t('catalog.costYuan')}>
              <InputNumber min={0} max={1_000_000} precision={2} />
            </Form.Item>
            <Form.Item name="active" label={t('catalog.active')} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Space>
          <Form.Item name="barcodes" label={t('catalog.barcodes')}>
            <Input data-testid="product-barcodes" />
          </Form.Item>
          <Form.Item name="plu" label="PLU" rules={[{ pattern: /^(\d{5})?$/ }]}>
            <Input style={{ width: 120 }} />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}
