// Back office: the category tree with VAT rates, and adding a category.
import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Form, Input, Select, Space, Table } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, problemText } from '../api';

interface Category {
  id: string;
  code: string;
  name: string;
  parentId: string | null;
  vatRate: string;
}

const RATES = ['0.13', '0.09', '0.06', '0'];

export function CategoriesPanel() {
  const { t } = useTranslation();
  const [categories, setCategories] = useState<Category[]>([]);
  const [message, setMessage] = useState<{ type: 'success' | 'error'; text: string } | null>(null);
  const [form] = Form.useForm<{ code: string; name: string; parentCode?: string; vatRate: string }>();

  const load = useCallback(async () => setCategories((await api<{ categories: Category[] }>('GET', '/categories')).categories), []);
  useEffect(() => {
    void load();
  }, [load]);

  const byId = new Map(categories.map((c) => [c.id, c]));
  const rows = [...categories].sort((a, b) => a.code.localeCompare(b.code));
  const add = async (v: { code: string; name: string; parentCode?: string; vatRate: string }) => {
    try {
      await api('POST', '/categories', { ...v, parentCode: v.parentCode ?? null });
      setMessage({ type: 'success', text: t('catalog.saved') });
      form.resetFields();
      await load();
    } catch (err) {
      setMessage({ type: 'error', text: problemText(err, t) });
    }
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {message && <Alert type={message.type} title={message.text} closable onClose={() => setMessage(null)} data-testid="category-message" />}
      <Form form={form} layout="inline" initialValues={{ vatRate: '0.13' }} onFinish={(v) => void add(v)}>
        <Form.Item name="code" rules={[{ required: true, pattern: /^[A-Za-z0-9_-]{1,32}$/ }]}>
          <Input placeholder={t('catalog.code')} style={{ width: 110 }} data-testid="category-code" />
        </Form.Item>
        <Form.Item name="name" rules={[{ required: true, max: 60 }]}>
          <Input placeholder={t('catalog.name')} style={{ width: 160 }} data-testid="category-name" />
        </Form.Item>
        <Form.Item name="parentCode">
          <Select allowClear placeholder={t('catalog.parent')} style={{ width: 180 }} options={rows.filter((c) => c.parentId === null).map((c) => ({ value: c.code, label: `${c.code} ${c.name}` }))} />
        </Form.Item>
        <Form.Item name="vatRate">
          <Select style={{ width: 100 }} options={RATES.map((r) => ({ value: r, label: `${Number(r) * 100}%` }))} />
        </Form.Item>
        <Button type="primary" htmlType="submit" data-testid="category-add">
          {t('catalog.newCategory')}
        </Button>
      </Form>
      <Table<Category>
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={rows}
        columns={[
          { title: t('catalog.code'), dataIndex: 'code', width: 110 },
          { title: t('catalog.name'), render: (_v, c) => (c.parentId ? `${byId.get(c.parentId)?.name ?? ''} › ${c.name}` : c.name) },
          { title: t('catalog.vat'), width: 90, render: (_v, c) => `${Math.round(Number(c.vatRate) * 100)}%` },
        ]}
      />
    </Space>
  );
}
