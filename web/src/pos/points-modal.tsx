// 积分 at the till (F11): the member pays part of the sale with points. The cashier types points
// or yuan and sees what the other comes to, by the server's own conversion; the server enforces
// the balance, the minimum and the per-sale cap, and its refusal is shown here.
import { useEffect, useState } from 'react';
import { Alert, Input, Modal, Segmented, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { problemText } from '../api';
import { formatMoney, parseYuan } from '../money';
import { fenForPoints, maxRedeemable, pointsForFen, type RedeemRules } from '../../../src/members/points';
import { AppError } from '../../../src/platform/errors';
import type { Cart } from './till-api';

type Unit = 'points' | 'yuan';

interface Props {
  open: boolean;
  cart: Cart | null;
  rules: RedeemRules | null;
  /** Takes the points tender; throws the API's refusal. */
  onPay: (amountFen: number) => Promise<void>;
  onClose: () => void;
}

/** Points already tendered on this cart (a points tender's reference is its points). */
function pointsTendered(cart: Cart): { points: number; fen: number } {
  const tenders = cart.tenders.filter((t) => t.method === 'points');
  return { points: tenders.reduce((s, t) => s + Number(t.reference ?? 0), 0), fen: tenders.reduce((s, t) => s + t.amountFen, 0) };
}

export function PointsModal({ open, cart, rules, onPay, onClose }: Props) {
  const { t } = useTranslation();
  const [unit, setUnit] = useState<Unit>('points');
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const member = cart?.member ?? null;
  const used = cart ? pointsTendered(cart) : { points: 0, fen: 0 };
  // The balance less what the cart already spends (points tenders and gifts).
  const balance = member?.availablePoints ?? 0;
  const max = cart && rules ? maxRedeemable(balance, cart.dueFen, rules, { saleTotalFen: cart.totalFen, redeemedFen: used.fen }) : { points: 0, fen: 0 };

  useEffect(() => {
    if (!open) return;
    setUnit('points');
    setText(max.points > 0 ? String(max.points) : '');
    setError(null);
    // Only on opening: the suggestion must not overwrite what the cashier types.
  }, [open]);

  /** The typed amount as points and fen, or why it cannot be converted. */
  const convert = (): { points: number; fen: number } | string => {
    if (!rules || !text.trim()) return t('members.points.enterAmount');
    try {
      if (unit === 'yuan') {
        const fen = parseYuan(text, t('members.points.yuan'));
        return { points: pointsForFen(rules, fen), fen };
      }
      if (!/^\d{1,9}$/.test(text.trim())) return t('members.points.wholePoints');
      const points = Number(text.trim());
      return { points, fen: fenForPoints(rules, points) };
    } catch (err) {
      if (err instanceof AppError && typeof err.details?.step === 'number') return t(unit === 'yuan' ? 'members.points.stepFen' : 'members.points.stepPoints', { step: err.details.step });
      return (err as Error).message;
    }
  };
  const amount = convert();

  const submit = async () => {
    if (typeof amount === 'string') {
      setError(amount);
      return;
    }
    setBusy(true);
    try {
      await onPay(amount.fen);
    } catch (err) {
      setError(problemText(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={`${t('members.points.title')} · ${t('pos.due')} ${formatMoney(cart?.dueFen ?? 0)}`}
      okText={t('pos.pay')}
      cancelText={t('pos.cancel')}
      okButtonProps={{ loading: busy, 'data-testid': 'points-submit' } as Record<`data-${string}`, string>}
      onOk={() => void submit()}
      onCancel={onClose}
      destroyOnHidden
    >
      <Space direction="vertical" style={{ width: '100%' }}>
        <Typography.Text data-testid="points-available">
          {t('members.points.available', { balance, max: max.points, money: formatMoney(max.fen) })}
        </Typography.Text>
        {rules && (
          <Typography.Text type="secondary">
            {t('members.points.rate', { points: rules.rate.points, money: formatMoney(rules.rate.fen), percent: rules.maxPercentOfSale, min: rules.minPoints })}
          </Typography.Text>
        )}
        <Segmented<Unit>
          value={unit}
          onChange={(u) => {
            // Keep the amount, shown in the other unit.
            if (typeof amount !== 'string') setText(u === 'yuan' ? (amount.fen / 100).toFixed(2) : String(amount.points));
            setUnit(u);
          }}
          options={[
            { value: 'points', label: t('members.points.inPoints') },
            { value: 'yuan', label: t('members.points.yuan') },
          ]}
          data-testid="points-unit"
        />
        <Input size="large" autoFocus inputMode="decimal" value={text} onChange={(e) => setText(e.target.value)} onPressEnter={() => void submit()} data-testid="points-amount" suffix={unit === 'points' ? t('members.points.unit') : '¥'} />
        {typeof amount !== 'string' && (
          <Typography.Text strong data-testid="points-equals">
            {t('members.points.equals', { points: amount.points, money: formatMoney(amount.fen) })}
          </Typography.Text>
        )}
        {error && <Alert type="error" title={error} data-testid="points-error" />}
      </Space>
    </Modal>
  );
}
