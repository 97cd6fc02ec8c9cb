// After a sale: the change in large type, the receipt number, the e-receipt QR, and for a member
// the points earned and used, the new balance and a tier upgrade.
import { useEffect, useState } from 'react';
import { Alert, Descriptions, Result, Typography } from 'antd';
import QRCode from 'qrcode';
import { useTranslation } from 'react-i18next';
import { formatMoney } from '../money';
import type { Sale } from './till-api';

export function SaleDone({ sale }: { sale: Sale }) {
  const { t } = useTranslation();
  const url = `${window.location.origin}${sale.receiptUrl}`;
  const [qr, setQr] = useState<string | null>(null);
  useEffect(() => {
    void QRCode.toDataURL(url, { margin: 1, width: 160 }).then(setQr);
  }, [url]);
  return (
    <Result
      status="success"
      title={<span data-testid="sale-done">{t('pos.saleDone')}</span>}
      subTitle={
        <span>
          {t('pos.receiptNo')}: <span data-testid="receipt-no">{sale.receiptNo}</span>
        </span>
      }
      extra={
        <div>
          <Typography.Title level={2} data-testid="sale-change">
            {t('pos.change')} {formatMoney(sale.changeFen)}
          </Typography.Title>
          {sale.points && <SalePoints points={sale.points} />}
          {qr && <img src={qr} alt={t('pos.scanToView')} width={160} height={160} />}
          <div>
            <a href={sale.receiptUrl} target="_blank" rel="noreferrer" data-testid="open-receipt">
              {t('pos.openReceipt')}
            </a>
          </div>
          <Typography.Text type="secondary">{t('pos.nextCustomer')}</Typography.Text>
        </div>
      }
    />
  );
}

function SalePoints({ points }: { points: NonNullable<Sale['points']> }) {
  const { t } = useTranslation();
  return (
    <div style={{ maxWidth: 360, margin: '0 auto 12px' }} data-testid="sale-points">
      {points.upgraded && <Alert type="success" showIcon title={t('members.sale.upgraded', { tier: points.tier.name })} style={{ marginBottom: 8 }} data-testid="sale-tier-upgraded" />}
      <Descriptions size="small" column={3} bordered layout="vertical">
        <Descriptions.Item label={t('members.sale.earned')}>
          <span data-testid="sale-points-earned">{points.earned}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('members.sale.redeemed')}>
          <span data-testid="sale-points-redeemed">{points.redeemed}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('members.points.balance')}>
          <span data-testid="sale-points-balance">{points.balance}</span>
        </Descriptions.Item>
      </Descriptions>
    </div>
  );
}
