// 查库存 at the till: the selected item's stock on hand here and in the chain's other stores,
// for the customer who asks "do you have more?" (GET /stock/where).
import { useEffect, useState } from 'react';
import { Alert, Modal, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api, problemText } from '../api';

interface Where {
  name: string;
  unit: string;
  stores: Array<{ storeCode: string; storeName: string; qty: number }>;
}

export function StockModal({ code, storeCode, onClose }: { code: string | null; storeCode: string | undefined; onClose: () => void }) {
  const { t } = useTranslation();
  const [where, setWhere] = useState<Where | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setWhere(null);
    setError(null);
    if (!code) return;
    api<Where>('GET', `/stock/where?code=${encodeURIComponent(code)}`)
      .then(setWhere)
      .catch((err: unknown) => setError(problemText(err, t)));
  }, [code, t]);
  const show = (qty: number) => (where?.unit === 'kg' ? `${(qty / 1000).toFixed(3)} kg` : String(qty));
  const here = where?.stores.find((s) => s.storeCode === storeCode);
  return (
    <Modal open={code !== null} title={t('pos.stock')} footer={null} onCancel={onClose} destroyOnHidden>
      {error && <Alert type="error" title={error} />}
      {where && (
        <>
          <Typography.Title level={5} data-testid="stock-here">
            {where.name}: {t('pos.stockHere')} {show(here?.qty ?? 0)}
          </Typography.Title>
          <Table
            size="small"
            pagination={false}
            rowKey="storeCode"
            dataSource={where.stores.filter((s) => s.storeCode !== storeCode)}
            columns={[
              { title: t('pos.stockStore'), render: (_v, s) => `${s.storeCode} · ${s.storeName}` },
              { title: t('pos.stockQty'), dataIndex: 'qty', render: (q: number) => show(q) },
            ]}
            data-testid="stock-elsewhere"
          />
        </>
      )}
    </Modal>
  );
}
