// Taking cash or card: the amount defaults to what is due; cash may exceed it (change).
import { useEffect, useState } from 'react';
import { Input, Modal, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatMoney, parseYuan } from '../money';

export function PayModal({ method, dueFen, onPay, onClose }: { method: 'cash' | 'card' | null; dueFen: number; onPay: (amountFen: number) => void; onClose: () => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (method) {
      setText((dueFen / 100).toFixed(2));
      setError(null);
    }
  }, [method, dueFen]);
  const submit = () => {
    try {
      onPay(parseYuan(text, t('pos.amount')));
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <Modal open={method !== null} title={`${method === 'card' ? t('pos.card') : t('pos.cash')} · ${t('pos.due')} ${formatMoney(dueFen)}`} okText={t('pos.pay')} cancelText={t('pos.cancel')} onOk={submit} onCancel={onClose} destroyOnHidden>
      <Typography.Text>{method === 'card' ? t('pos.cardAmount') : t('pos.amountGiven')}</Typography.Text>
      <Input size="large" autoFocus value={text} onChange={(e) => setText(e.target.value)} onPressEnter={submit} inputMode="decimal" data-testid="pay-amount" status={error ? 'error' : undefined} />
      {error && <Typography.Text type="danger">{error}</Typography.Text>}
    </Modal>
  );
}
