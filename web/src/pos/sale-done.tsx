// After a sale: the change in large type, the receipt number, and the e-receipt QR.
import { useEffect, useState } from 'react';
import { Result, Typography } from 'antd';
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
