// Closing a shift: count the drawer by denomination; the server says expected and over/short.
import { useState } from 'react';
import { Descriptions, InputNumber, Modal, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatMoney } from '../money';
import type { ShiftReport } from './till-api';

const DENOMINATIONS = [10000, 5000, 2000, 1000, 500, 100, 50, 10, 5, 1];

export function CloseShiftModal({ open, onCount, onClose, result }: { open: boolean; onCount: (denominations: Record<string, number>) => void; onClose: () => void; result: ShiftReport | null }) {
  const { t } = useTranslation();
  const [counts, setCounts] = useState<Record<string, number>>({});
  const countedFen = DENOMINATIONS.reduce((s, d) => s + d * (counts[d] ?? 0), 0);
  if (result) {
    const overShort = result.overShortFen ?? 0;
    return (
      <Modal open={open} title={t('pos.shiftReport')} onOk={onClose} onCancel={onClose} cancelButtonProps={{ style: { display: 'none' } }} okText={t('pos.confirm')}>
        <Descriptions column={1} bordered size="small" data-testid="shift-result">
          <Descriptions.Item label={t('pos.sales')}>{result.sales.count}</Descriptions.Item>
          <Descriptions.Item label={t('pos.expected')}>{formatMoney(result.cash.expectedFen)}</Descriptions.Item>
          <Descriptions.Item label={t('pos.counted')}>{formatMoney(result.countedFen ?? 0)}</Descriptions.Item>
          <Descriptions.Item label={overShort > 0 ? t('pos.over') : overShort < 0 ? t('pos.short') : t('pos.balanced')}>
            <Typography.Text type={overShort === 0 ? 'success' : 'danger'} data-testid="over-short">
              {formatMoney(overShort)}
            </Typography.Text>
          </Descriptions.Item>
        </Descriptions>
      </Modal>
    );
  }
  return (
    <Modal open={open} title={`${t('pos.closeShift')} · ${t('pos.countCash')}`} okText={t('pos.closeShift')} cancelText={t('pos.cancel')} onOk={() => onCount(Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0)))} onCancel={onClose} okButtonProps={{ 'data-testid': 'close-shift-confirm' } as Record<`data-${string}`, string>}>
      <Space wrap>
        {DENOMINATIONS.map((d) => (
          <Space key={d} direction="vertical" size={0}>
            <Typography.Text>{formatMoney(d)}</Typography.Text>
            <InputNumber min={0} precision={0} value={counts[d] ?? 0} onChange={(v) => setCounts({ ...counts, [d]: Number(v ?? 0) })} data-testid={`count-${d}`} style={{ width: 90 }} />
          </Space>
        ))}
      </Space>
      <Typography.Title level={4} data-testid="counted-total">
        {t('pos.counted')}: {formatMoney(countedFen)}
      </Typography.Title>
    </Modal>
  );
}
