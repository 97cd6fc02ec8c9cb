// The cart's lines: what was scanned, quantity, price, savings and amount; click to select.
import { Table, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatMoney } from '../money';
import type { Cart } from './till-api';

function qtyText(line: Cart['lines'][number]): string {
  return line.unit === 'kg' ? `${(line.qty / 1000).toFixed(3)}kg` : String(line.qty);
}

export function CartTable({ cart, selected, onSelect }: { cart: Cart | null; selected: string | null; onSelect: (lineId: string) => void }) {
  const { t } = useTranslation();
  return (
    <Table
      data-testid="cart-lines"
      size="middle"
      pagination={false}
      scroll={{ y: 'calc(100vh - 260px)' }}
      rowKey="lineId"
      dataSource={cart?.lines ?? []}
      locale={{ emptyText: t('pos.empty') }}
      rowClassName={(l) => (l.lineId === selected ? 'ant-table-row-selected' : '')}
      onRow={(l) => ({ onClick: () => onSelect(l.lineId) })}
      columns={[
        {
          title: t('pos.product'),
          dataIndex: 'name',
          render: (name: string, l) => (
            <span>
              {name}
              {l.giftPoints > 0 && (
                <Tag color="gold" style={{ marginLeft: 6 }} data-testid="gift-line">
                  {t('rewards.giftPrice', { points: String(l.giftPoints) })}
                </Tag>
              )}
              {l.promotions.map((p) => (
                <Tag key={p.promotionId} color="red" style={{ marginLeft: 6 }}>
                  {p.name}
                </Tag>
              ))}
            </span>
          ),
        },
        { title: t('pos.qty'), width: 90, align: 'right', render: (_v, l) => qtyText(l) },
        { title: t('pos.price'), width: 100, align: 'right', render: (_v, l) => formatMoney(l.unitPriceFen) },
        { title: t('pos.discount'), width: 90, align: 'right', render: (_v, l) => (l.discountFen ? `-${formatMoney(l.discountFen)}` : '') },
        { title: t('pos.amount'), width: 110, align: 'right', render: (_v, l) => <strong>{formatMoney(l.totalFen)}</strong> },
      ]}
    />
  );
}
