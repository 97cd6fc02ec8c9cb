// The till: one scan box that always has focus, the cart, the totals, and hotkeys for everything
// (F2 quantity, F3/Del void, F4 hold, F5 recall, F6 find, F7 return, F8 cash, F9 card, F10 member,
// F11 pay with points, F12 finish). Scanning a receipt number opens the return; scanning a member
// code attaches the member.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Alert, Button, Card, Input, InputNumber, Layout, List, Modal, Space, Spin, Statistic, Typography } from 'antd';
import type { InputRef } from 'antd';
import { useTranslation } from 'react-i18next';
import { problemText } from '../api';
import { useMe } from '../shell/use-me';
import { LanguageSwitch } from '../shell/language-switch';
import { LogoutButton } from '../shell/logout-button';
import { formatMoney, parseYuan } from '../money';
import { membersApi, type MembersConfig } from '../admin/members-api';
import { beep } from './beep';
import { CartTable } from './cart-table';
import { CloseShiftModal } from './close-shift-modal';
import { MemberModal } from './member-modal';
import { MemberPanel } from './member-panel';
import { PointsModal } from './points-modal';
import { RewardsModal } from './rewards-modal';
import { PayModal } from './pay-modal';
import { ReturnModal } from './return-modal';
import { SyncBanner, SyncStatusBadge, useSyncStatus } from './sync-banner';
import { StockModal } from './stock-modal';
import { SaleDone } from './sale-done';
import { tillApi, type Cart, type Sale, type Shift, type ShiftReport, type TillChoice } from './till-api';

type Dialog = null | 'cash' | 'card' | 'qty' | 'held' | 'search' | 'close' | 'return' | 'member' | 'points' | 'rewards';
const RECEIPT_NO = /^[A-Z0-9]{1,16}-[A-Z0-9]{1,16}-\d{8}-\d{1,6}$/i;
const CART_KEY = 'tp.cart';

export function PosPage() {
  const { t } = useTranslation();
  const me = useMe();
  const till: TillChoice = me && !me.terminalId ? { storeCode: me.stores[0]?.code, terminalCode: 'T01' } : {};
  const [shift, setShift] = useState<Shift | null | undefined>(undefined);
  const [cart, setCart] = useState<Cart | null>(null);
  const [sale, setSale] = useState<Sale | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [waitingWallet, setWaitingWallet] = useState(false);
  const [floatText, setFloatText] = useState('200.00');
  const [held, setHeld] = useState<Array<{ heldId: string; label: string; lines: number }>>([]);
  const [searchHits, setSearchHits] = useState<Array<{ skuId: string; name: string; priceFen: number; code: string }>>([]);
  const [qty, setQty] = useState(1);
  const [closeResult, setCloseResult] = useState<ShiftReport | null>(null);
  const [returnReceipt, setReturnReceipt] = useState('');
  const [stockCode, setStockCode] = useState<string | null>(null);
  const [membersConfig, setMembersConfig] = useState<MembersConfig | null>(null);
  const sync = useSyncStatus();
  const scanRef = useRef<InputRef>(null);
  const tillKey = JSON.stringify(till);

  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    try {
      const result = await fn();
      setError(null);
      return result;
    } catch (err) {
      setError(problemText(err, t));
      beep();
      return undefined;
    } finally {
      setBusy(false);
    }
  }, [t]);

  const freshCart = useCallback(async () => {
    const c = await tillApi.newCart(JSON.parse(tillKey) as TillChoice);
    sessionStorage.setItem(CART_KEY, c.id);
    setCart(c);
    return c;
  }, [tillKey]);

  useEffect(() => {
    if (!me) return;
    void run(async () => {
      const current = await tillApi.currentShift(JSON.parse(tillKey) as TillChoice);
      setShift(current.shift);
      if (!current.shift) return;
      const saved = sessionStorage.getItem(CART_KEY);
      const existing = saved ? await tillApi.getCart(saved).catch(() => null) : null;
      if (existing && existing.status === 'open') setCart(existing);
      else await freshCart();
    });
  }, [me, tillKey, run, freshCart]);

  useEffect(() => {
    if (dialog === null) scanRef.current?.focus();
  });

  const activeCart = async (): Promise<Cart> => {
    if (sale || !cart || cart.status !== 'open') {
      setSale(null);
      return freshCart();
    }
    return cart;
  };

  const submitScan = async () => {
    const text = code.trim();
    setCode('');
    if (!text) {
      if (cart && cart.lines.length > 0 && cart.dueFen === 0) await finish();
      return;
    }
    if (RECEIPT_NO.test(text)) {
      setReturnReceipt(text.toUpperCase());
      setDialog('return');
      return;
    }
    // A customer's payment code (16+ digits) may wait for them to enter their password.
    setWaitingWallet(/^\d{16,24}$/.test(text));
    await run(async () => {
      const c = await activeCart();
      const next = await tillApi.scan(c.id, text);
      setCart(next);
      setSelected(next.lines[next.lines.length - 1]?.lineId ?? null);
      if (next.dueFen === 0 && next.lines.length > 0 && next.tenders.length > 0) {
        const done = await tillApi.complete(next.id);
        setSale(done);
        sessionStorage.removeItem(CART_KEY);
      }
    });
    setWaitingWallet(false);
  };

  const finish = async () => {
    if (!cart) return;
    const done = await run(() => tillApi.complete(cart.id));
    if (done) {
      setSale(done);
      sessionStorage.removeItem(CART_KEY);
    }
  };

  /** Shows the cart after a payment, and completes the sale once nothing is due. */
  const paid = async (next: Cart) => {
    setCart(next);
    if (next.dueFen === 0) {
      const done = await run(() => tillApi.complete(next.id));
      if (done) {
        setSale(done);
        sessionStorage.removeItem(CART_KEY);
      }
    }
  };

  const pay = async (method: 'cash' | 'card', amountFen: number) => {
    if (!cart) return;
    const next = await run(() => tillApi.tender(cart.id, method, amountFen));
    setDialog(null);
    if (next) await paid(next);
  };

  /** A points payment: a refusal (too many points, under the minimum) stays in the dialog. */
  const payWithPoints = async (amountFen: number) => {
    if (!cart) return;
    const next = await tillApi.tender(cart.id, 'points', amountFen);
    setDialog(null);
    await paid(next);
  };

  /** Attaches a member by phone (to a new sale when the last one is done); errors go to the dialog. */
  const attachMember = async (phone: string) => {
    const c = await activeCart();
    setCart(await tillApi.setMember(c.id, phone));
    setDialog(null);
  };

  const removeCoupon = async () => {
    if (!cart) return;
    const next = await run(() => tillApi.removeCoupon(cart.id));
    if (next) setCart(next);
  };

  const detachMember = async () => {
    if (!cart) return;
    const next = await run(() => tillApi.setMember(cart.id, null));
    if (next) setCart(next);
  };

  const openDialog = async (d: Dialog) => {
    if (d === 'held') {
      const list = await run(() => tillApi.held(till));
      if (list) setHeld(list.held);
    }
    if (d === 'qty') {
      const line = cart?.lines.find((l) => l.lineId === selected);
      if (!line) return;
      setQty(line.qty);
    }
    if ((d === 'cash' || d === 'card' || d === 'points') && (!cart || cart.dueFen <= 0 || sale)) return;
    if (d === 'points' && !cart?.member) return;
    if ((d === 'member' || d === 'points') && !membersConfig) {
      const config = await run(() => membersApi.config());
      if (!config) return;
      setMembersConfig(config);
    }
    setDialog(d);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const keys: Record<string, () => void> = {
        F2: () => void openDialog('qty'),
        F3: () => void voidSelected(),
        F4: () => void holdCart(),
        F5: () => void openDialog('held'),
        F6: () => void openDialog('search'),
        F7: () => {
          setReturnReceipt('');
          setDialog('return');
        },
        F8: () => void openDialog('cash'),
        F9: () => void openDialog('card'),
        F10: () => void openDialog('member'),
        F11: () => void openDialog('points'),
        F12: () => void finish(),
      };
      const action = keys[e.key];
      if (action && dialog === null) {
        e.preventDefault();
        action();
      } else if (dialog === null && (e.key === 'ArrowUp' || e.key === 'ArrowDown') && cart && cart.lines.length) {
        e.preventDefault();
        const i = cart.lines.findIndex((l) => l.lineId === selected);
        const next = e.key === 'ArrowUp' ? Math.max(0, i - 1) : Math.min(cart.lines.length - 1, i + 1);
        setSelected(cart.lines[next]?.lineId ?? null);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const voidSelected = async () => {
    if (!cart || !selected) return;
    const next = await run(() => tillApi.voidLine(cart.id, selected));
    if (next) {
      setCart(next);
      setSelected(next.lines[next.lines.length - 1]?.lineId ?? null);
    }
  };

  const holdCart = async () => {
    if (!cart || cart.lines.length === 0) return;
    if (await run(() => tillApi.hold(cart.id))) await run(freshCart);
  };

  if (!me || shift === undefined) return <Spin style={{ margin: 48 }} />;

  const header = (
    <Layout.Header style={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', background: '#d4380d', padding: '0 16px' }}>
      <Typography.Text style={{ color: '#fff', fontSize: 18 }} data-testid="pos-title">
        {t('pos.title')} · {me.stores[0]?.name ?? ''}
      </Typography.Text>
      <Space>
        <SyncStatusBadge sync={sync} />
        <Typography.Text style={{ color: '#fff' }} data-testid="pos-cashier">
          {t('pos.cashier')}: {me.displayName}
        </Typography.Text>
        {shift && (
          <Button size="small" onClick={() => setDialog('close')} data-testid="close-shift">
            {t('pos.closeShift')}
          </Button>
        )}
        <LanguageSwitch />
        <LogoutButton />
      </Space>
    </Layout.Header>
  );

  if (!shift) {
    return (
      <Layout style={{ minHeight: '100vh' }}>
        {header}
        <Layout.Content style={{ padding: 48, display: 'flex', justifyContent: 'center' }}>
          <Card title={t('pos.shiftClosed')} style={{ width: 420 }}>
            {error && <Alert type="error" title={error} style={{ marginBottom: 12 }} />}
            <Typography.Text>{t('pos.float')}</Typography.Text>
            <Input size="large" value={floatText} onChange={(e) => setFloatText(e.target.value)} data-testid="float-amount" />
            <Button
              type="primary"
              size="large"
              block
              style={{ marginTop: 16, height: 56 }}
              data-testid="open-shift"
              onClick={() =>
                void run(async () => {
                  setShift(await tillApi.openShift(till, parseYuan(floatText, t('pos.float'))));
                  await freshCart();
                })
              }
            >
              {t('pos.openShift')}
            </Button>
          </Card>
        </Layout.Content>
      </Layout>
    );
  }

  const big = { size: 'large' as const, block: true, style: { height: 56, fontSize: 18 } };
  return (
    <Layout style={{ minHeight: '100vh' }}>
      {header}
      <SyncBanner sync={sync} />
      <Layout.Content style={{ padding: 12, display: 'grid', gridTemplateColumns: 'minmax(0, 1fr) 300px', gap: 12 }}>
        <Card styles={{ body: { padding: 12 } }}>
          <Input
            ref={scanRef}
            size="large"
            autoFocus
            value={code}
            disabled={busy}
            placeholder={t('pos.scanPlaceholder')}
            onChange={(e) => setCode(e.target.value)}
            onPressEnter={() => void submitScan()}
            data-testid="scan-box"
            status={error ? 'error' : undefined}
          />
          {error && <Alert type="error" title={error} style={{ marginTop: 8 }} data-testid="scan-error" />}
          {busy && waitingWallet && (
            <Alert
              type="info"
              showIcon
              title={t('pos.waitingWallet')}
              style={{ marginTop: 8 }}
              data-testid="waiting-wallet"
              action={
                <Button danger onClick={() => cart && void tillApi.cancelWallet(cart.id)} data-testid="cancel-wallet">
                  {t('pos.cancelWallet')}
                </Button>
              }
            />
          )}
          <div style={{ marginTop: 8 }}>{sale ? <SaleDone sale={sale} /> : <CartTable cart={cart} selected={selected} onSelect={setSelected} />}</div>
        </Card>
        <Card styles={{ body: { padding: 12 } }}>
          <div style={{ marginBottom: 12 }}>
            <MemberPanel
              member={sale ? null : (cart?.member ?? null)}
              coupon={sale ? null : (cart?.coupon ?? null)}
              onOpen={() => void openDialog('member')}
              onRewards={() => setDialog('rewards')}
              onRemoveCoupon={() => void removeCoupon()}
              onDetach={() => void detachMember()}
            />
          </div>
          <Statistic title={t('pos.total')} value={formatMoney(sale ? sale.totalFen : (cart?.totalFen ?? 0))} data-testid="cart-total" styles={{ content: { fontSize: 36, color: '#d4380d' } }} />
          <Space size="large">
            <Statistic title={t('pos.discount')} value={formatMoney(sale ? sale.discountFen : (cart?.discountFen ?? 0))} data-testid="cart-discount" />
            <Statistic title={t('pos.rounding')} value={formatMoney(sale ? sale.roundingFen : (cart?.roundingFen ?? 0))} />
          </Space>
          <Space size="large">
            <Statistic title={t('pos.paid')} value={formatMoney(sale ? sale.paidFen : (cart?.paidFen ?? 0))} data-testid="cart-paid" />
            <Statistic title={t('pos.due')} value={formatMoney(sale ? 0 : (cart?.dueFen ?? 0))} data-testid="cart-due" />
          </Space>
          <Space direction="vertical" style={{ width: '100%', marginTop: 12 }}>
            <Button {...big} type="primary" onClick={() => void openDialog('cash')} data-testid="pay-cash">
              {t('pos.cash')} (F8)
            </Button>
            <Button {...big} onClick={() => void openDialog('card')} data-testid="pay-card">
              {t('pos.card')} (F9)
            </Button>
            <Button {...big} disabled={!cart?.member || cart.dueFen <= 0 || !!sale} onClick={() => void openDialog('points')} data-testid="pay-points">
              {t('members.till.points')} (F11)
            </Button>
            <Space.Compact block>
              <Button size="large" style={{ width: '50%' }} onClick={() => void openDialog('qty')}>
                {t('pos.setQty')} F2
              </Button>
              <Button size="large" style={{ width: '50%' }} danger onClick={() => void voidSelected()}>
                {t('pos.void')} F3
              </Button>
            </Space.Compact>
            <Space.Compact block>
              <Button size="large" style={{ width: '50%' }} onClick={() => void holdCart()}>
                {t('pos.hold')} F4
              </Button>
              <Button size="large" style={{ width: '50%' }} onClick={() => void openDialog('held')}>
                {t('pos.recall')} F5
              </Button>
            </Space.Compact>
            <Space.Compact block>
              <Button size="large" style={{ width: '50%' }} onClick={() => void openDialog('search')}>
                {t('pos.search')} F6
              </Button>
              <Button
                size="large"
                style={{ width: '50%' }}
                onClick={() => {
                  setReturnReceipt('');
                  setDialog('return');
                }}
                data-testid="open-return"
              >
                {t('returns.title')} F7
              </Button>
            </Space.Compact>
            <Button size="large" block disabled={!cart?.lines.some((l) => l.lineId === selected)} onClick={() => setStockCode(cart?.lines.find((l) => l.lineId === selected)?.code ?? null)} data-testid="open-stock">
              {t('pos.stock')}
            </Button>
            <Button {...big} type="primary" danger disabled={!cart || cart.lines.length === 0 || cart.dueFen > 0 || !!sale} onClick={() => void finish()} data-testid="finish">
              {t('pos.finish')} (F12)
            </Button>
          </Space>
        </Card>
      </Layout.Content>

      <PayModal method={dialog === 'cash' || dialog === 'card' ? dialog : null} dueFen={cart?.dueFen ?? 0} onPay={(amountFen) => void pay(dialog === 'card' ? 'card' : 'cash', amountFen)} onClose={() => setDialog(null)} />
      <Modal
        open={dialog === 'qty'}
        title={t('pos.setQty')}
        onCancel={() => setDialog(null)}
        onOk={() => {
          setDialog(null);
          if (cart && selected) void run(async () => setCart(await tillApi.setQty(cart.id, selected, qty)));
        }}
      >
        <InputNumber autoFocus min={1} max={9999} precision={0} value={qty} onChange={(v) => setQty(Number(v ?? 1))} size="large" />
      </Modal>
      <Modal open={dialog === 'held'} title={t('pos.recall')} footer={null} onCancel={() => setDialog(null)}>
        <List
          locale={{ emptyText: t('pos.noHeld') }}
          dataSource={held}
          renderItem={(h) => (
            <List.Item
              style={{ cursor: 'pointer' }}
              onClick={() => {
                setDialog(null);
                void run(async () => {
                  if (cart && cart.lines.length > 0 && cart.status === 'open') await tillApi.hold(cart.id);
                  const back = await tillApi.recall(h.heldId, till);
                  sessionStorage.setItem(CART_KEY, back.id);
                  setSale(null);
                  setCart(back);
                });
              }}
            >
              {h.label}
            </List.Item>
          )}
        />
      </Modal>
      <Modal open={dialog === 'search'} title={t('pos.search')} footer={null} onCancel={() => setDialog(null)} destroyOnHidden>
        <Input.Search autoFocus enterButton onSearch={(q) => void run(async () => setSearchHits((await tillApi.search(q)).products))} />
        <List
          dataSource={searchHits}
          renderItem={(p) => (
            <List.Item
              style={{ cursor: 'pointer' }}
              onClick={() => {
                setDialog(null);
                void run(async () => {
                  const c = await activeCart();
                  setCart(await tillApi.addSku(c.id, p.skuId));
                });
              }}
            >
              {p.name} · {formatMoney(p.priceFen)}
            </List.Item>
          )}
        />
      </Modal>
      <MemberModal open={dialog === 'member'} config={membersConfig} till={till} onAttach={attachMember} onClose={() => setDialog(null)} />
      <RewardsModal open={dialog === 'rewards'} cart={cart} memberId={cart?.memberId ?? null} till={till} onCart={setCart} onClose={() => setDialog(null)} />
      <PointsModal open={dialog === 'points'} cart={cart} rules={membersConfig?.redeem ?? null} onPay={payWithPoints} onClose={() => setDialog(null)} />
      <StockModal code={stockCode} storeCode={me.stores[0]?.code} onClose={() => setStockCode(null)} />
      <ReturnModal open={dialog === 'return'} receiptNo={returnReceipt} onClose={() => setDialog(null)} />
      <CloseShiftModal
        open={dialog === 'close'}
        result={closeResult}
        onCount={(denominations) =>
          void run(async () => {
            setCloseResult(await tillApi.closeShift(shift.id, denominations));
          })
        }
        onClose={() => {
          setDialog(null);
          if (closeResult) {
            setCloseResult(null);
            setShift(null);
            setCart(null);
            setSale(null);
          }
        }}
      />
    </Layout>
  );
}
