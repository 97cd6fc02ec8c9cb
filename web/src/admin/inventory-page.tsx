// Back office: inventory — the stock list (low-stock filter, min levels, reorder, XLSX), suppliers
// and purchase orders (print / PDF, XLSX, CSV) received by scanning, transfers between stores
// received by scanning, shelf locations, and stock counts (whole store, category or location) on
// a handheld-sized sheet that never shows the expected quantity.
import { useCallback, useEffect, useRef, useState } from 'react';
import { Alert, Button, Card, Input, InputNumber, Select, Space, Switch, Table, Tabs, Tag, Typography, type InputRef } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiError, problemText, type Me } from '../api';
import { formatMoney, parseYuan } from '../money';
import { inventoryApi, type CountRow, type CountSheet, type PoRow, type PurchaseOrder, type ScanLine, type ShelfLocation, type StockRow, type Supplier, type Transfer, type TransferRow, type Variance, type ReorderRow } from './inventory-api';

type Message = { type: 'success' | 'error'; text: string } | null;

/** Grams of weighed items read as g, pieces as they are. */
function qtyText(unit: string, qty: number): string {
  return unit === 'kg' ? `${qty} g` : String(qty);
}

export function InventoryPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [store, setStore] = useState(me.stores[0]?.code ?? '');
  const canManage = me.permissions.includes('inventory.manage');
  if (!store) return <Alert type="info" title={t('inventory.noStore')} />;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {me.stores.length > 1 && (
        <Space>
          <Typography.Text>{t('inventory.store')}</Typography.Text>
          <Select value={store} onChange={setStore} style={{ width: 220 }} options={me.stores.map((s) => ({ value: s.code, label: `${s.code} · ${s.name}` }))} data-testid="inventory-store" />
        </Space>
      )}
      <Tabs
        key={store}
        data-testid="inventory-tabs"
        items={[
          ...(canManage
            ? [
                { key: 'stock', label: t('inventory.tabs.stock'), children: <StockPanel store={store} /> },
                { key: 'receiving', label: t('inventory.tabs.receiving'), children: <ReceivingPanel store={store} /> },
                { key: 'transfers', label: t('inventory.tabs.transfers'), children: <TransfersPanel store={store} me={me} /> },
                { key: 'locations', label: t('inventory.tabs.locations'), children: <LocationsPanel store={store} /> },
              ]
            : []),
          { key: 'counts', label: t('inventory.tabs.counts'), children: <CountsPanel store={store} canManage={canManage} /> },
        ]}
      />
    </Space>
  );
}

function Feedback({ message, onClose, testId }: { message: Message; onClose: () => void; testId: string }) {
  return message ? <Alert type={message.type} title={message.text} closable onClose={onClose} data-testid={testId} /> : null;
}

/** One scan box and a quantity, as at the till: scanners type the code and Enter. */
function ScanBox({ prefix, onScan, disabled }: { prefix: string; onScan: (line: ScanLine) => Promise<void> | void; disabled?: boolean }) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const [qty, setQty] = useState<number | null>(null);
  const input = useRef<InputRef>(null);
  const submit = async () => {
    const c = code.trim();
    if (!c) return;
    await onScan({ code: c, ...(qty !== null ? { qty } : {}) });
    setCode('');
    setQty(null);
    input.current?.focus();
  };
  return (
    <Space.Compact style={{ width: '100%' }}>
      <Input ref={input} autoFocus value={code} disabled={disabled} placeholder={t('inventory.scanPlaceholder')} onChange={(e) => setCode(e.target.value)} onPressEnter={() => void submit()} data-testid={`${prefix}-scan`} />
      <InputNumber min={0} precision={0} value={qty} disabled={disabled} placeholder={t('inventory.qty')} onChange={(v) => setQty(v)} onPressEnter={() => void submit()} style={{ width: 110 }} data-testid={`${prefix}-qty`} />
      <Button type="primary" disabled={disabled} onClick={() => void submit()} data-testid={`${prefix}-add`}>
        {t('inventory.add')}
      </Button>
    </Space.Compact>
  );
}

function StockPanel({ store }: { store: string }) {
  const { t } = useTranslation();
  const [low, setLow] = useState(false);
  const [query, setQuery] = useState('');
  const [rows, setRows] = useState<StockRow[]>([]);
  const [reorder, setReorder] = useState<ReorderRow[] | null>(null);
  const [minCode, setMinCode] = useState('');
  const [minQty, setMinQty] = useState<number | null>(null);
  const [message, setMessage] = useState<Message>(null);
  const load = useCallback(async () => {
    try {
      setRows((await inventoryApi.stock(store, { low, q: query })).rows);
    } catch (err) {
      setMessage({ type: 'error', text: problemText(err, t) });
    }
  }, [store, low, query, t]);
  useEffect(() => {
    void load();
  }, [load]);
  const setLevel = async () => {
    try {
      await inventoryApi.setMinLevel(store, minCode.trim(), minQty ?? 0);
      setMessage({ type: 'success', text: t('inventory.minSaved', { code: minCode.trim() }) });
      setMinCode('');
      setMinQty(null);
      await load();
    } catch (err) {
      setMessage({ type: 'error', text: problemText(err, t) });
    }
  };
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Feedback message={message} onClose={() => setMessage(null)} testId="stock-message" />
      <Space wrap>
        <Input.Search allowClear placeholder={t('inventory.search')} onSearch={setQuery} style={{ width: 240 }} data-testid="stock-search" />
        <Space>
          <Switch checked={low} onChange={setLow} data-testid="stock-low" />
          {t('inventory.lowOnly')}
        </Space>
        <Button href={inventoryApi.exportUrl(store)} data-testid="stock-export">
          {t('inventory.exportXlsx')}
        </Button>
        <Button onClick={() => void inventoryApi.reorder(store).then((r) => setReorder(r.suggestions), (err: unknown) => setMessage({ type: 'error', text: problemText(err, t) }))} data-testid="stock-reorder">
          {t('inventory.reorder')}
        </Button>
      </Space>
      <Space.Compact>
        <Input value={minCode} placeholder={t('inventory.itemCode')} onChange={(e) => setMinCode(e.target.value)} style={{ width: 200 }} data-testid="min-code" />
        <InputNumber min={0} precision={0} value={minQty} placeholder={t('inventory.minQty')} onChange={setMinQty} style={{ width: 120 }} data-testid="min-qty" />
        <Button onClick={() => void setLevel()} data-testid="min-save">
          {t('inventory.setMin')}
        </Button>
      </Space.Compact>
      <Table<StockRow>
        rowKey="skuId"
        size="small"
        dataSource={rows}
        pagination={{ pageSize: 50 }}
        data-testid="stock-table"
        columns={[
          { title: t('inventory.code'), dataIndex: 'code', width: 120 },
          { title: t('inventory.name'), dataIndex: 'name' },
          { title: t('inventory.onHand'), align: 'right', render: (_v, r) => qtyText(r.unit, r.qty) },
          { title: t('inventory.minQty'), align: 'right', render: (_v, r) => (r.minQty === null ? '—' : qtyText(r.unit, r.minQty)) },
          { title: '', width: 80, render: (_v, r) => (r.low ? <Tag color="red">{t('inventory.low')}</Tag> : r.qty < 0 ? <Tag color="orange">{t('inventory.negative')}</Tag> : null) },
          { title: t('inventory.avgCost'), align: 'right', render: (_v, r) => formatMoney(r.avgCostFen) },
          { title: t('inventory.value'), align: 'right', render: (_v, r) => formatMoney(r.valueFen) },
        ]}
      />
      {reorder && (
        <Card size="small" title={t('inventory.reorder')}>
          <Table<ReorderRow>
            rowKey="skuId"
            size="small"
            dataSource={reorder}
            pagination={false}
            locale={{ emptyText: t('inventory.nothingToReorder') }}
            data-testid="reorder-table"
            columns={[
              { title: t('inventory.code'), dataIndex: 'code' },
              { title: t('inventory.name'), dataIndex: 'name' },
              { title: t('inventory.onHand'), align: 'right', render: (_v, r) => qtyText(r.unit, r.qty) },
              { title: t('inventory.perDay'), align: 'right', dataIndex: 'perDay' },
              { title: t('inventory.daysOfCover'), align: 'right', render: (_v, r) => r.daysOfCover ?? '—' },
              { title: t('inventory.suggest'), align: 'right', render: (_v, r) => qtyText(r.unit, r.suggestQty) },
              { title: t('inventory.why'), render: (_v, r) => t(`inventory.reason.${r.reason}`) },
            ]}
          />
        </Card>
      )}
    </Space>
  );
}

function ReceivingPanel({ store }: { store: string }) {
  const { t } = useTranslation();
  const [orders, setOrders] = useState<PoRow[]>([]);
  const [suppliers, setSuppliers] = useState<Supplier[]>([]);
  const [open, setOpen] = useState<PurchaseOrder | null>(null);
  const [scanned, setScanned] = useState<ScanLine[]>([]);
  const [overReason, setOverReason] = useState<string | null>(null);
  const [message, setMessage] = useState<Message>(null);
  const [supplier, setSupplier] = useState<string | undefined>(undefined);
  const [newSupplier, setNewSupplier] = useState({ code: '', name: '', contact: '' });
  const [address, setAddress] = useState('');
  const [draft, setDraft] = useState<Array<{ code: string; qty: number; unitCostFen: number }>>([]);
  const [cost, setCost] = useState('');
  const fail = (err: unknown) => setMessage({ type: 'error', text: problemText(err, t) });
  const load = useCallback(async () => setOrders((await inventoryApi.purchaseOrders(store)).purchaseOrders), [store]);
  const loadSuppliers = useCallback(async () => setSuppliers((await inventoryApi.suppliers()).suppliers), []);
  useEffect(() => {
    void load().catch(fail);
    void loadSuppliers().catch(fail);
  }, [load, loadSuppliers]);

  const addSupplier = async () => {
    try {
      const s = await inventoryApi.createSupplier(newSupplier.code.trim(), newSupplier.name.trim(), newSupplier.contact.trim());
      await loadSuppliers();
      setSupplier(s.code);
      setNewSupplier({ code: '', name: '', contact: '' });
      setMessage({ type: 'success', text: t('inventory.supplierCreated', { name: s.name }) });
    } catch (err) {
      fail(err);
    }
  };
  const create = async () => {
    try {
      const po = await inventoryApi.createPurchaseOrder(store, supplier ?? '', draft, address.trim());
      setDraft([]);
      setAddress('');
      setOpen(po);
      setMessage(null);
      await load();
    } catch (err) {
      fail(err);
    }
  };
  const receive = async () => {
    if (!open) return;
    try {
      const po = await inventoryApi.receive(store, open.id, scanned, overReason ? { reason: overReason } : undefined);
      setOpen(po);
      setScanned([]);
      setOverReason(null);
      setMessage({ type: 'success', text: t('inventory.received', { poNo: po.poNo }) });
      await load();
    } catch (err) {
      if (err instanceof ApiError && err.problem.code === 'OVER_RECEIPT') setOverReason('');
      fail(err);
    }
  };
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Feedback message={message} onClose={() => setMessage(null)} testId="receiving-message" />
      <Card size="small" title={t('inventory.newPo')}>
        <Space direction="vertical" style={{ width: '100%' }}>
          <Space wrap>
            <Select
              value={supplier}
              onChange={setSupplier}
              placeholder={t('inventory.selectSupplier')}
              style={{ width: 260 }}
              options={suppliers.map((s) => ({ value: s.code, label: `${s.name}（${s.code}）` }))}
              data-testid="po-supplier"
            />
            <Space.Compact>
              <Input value={newSupplier.code} placeholder={t('inventory.supplierCode')} onChange={(e) => setNewSupplier((s) => ({ ...s, code: e.target.value }))} style={{ width: 120 }} data-testid="supplier-code" />
              <Input value={newSupplier.name} placeholder={t('inventory.supplierName')} onChange={(e) => setNewSupplier((s) => ({ ...s, name: e.target.value }))} style={{ width: 180 }} data-testid="supplier-name" />
              <Input value={newSupplier.contact} placeholder={t('inventory.supplierContact')} onChange={(e) => setNewSupplier((s) => ({ ...s, contact: e.target.value }))} style={{ width: 200 }} data-testid="supplier-contact" />
              <Button disabled={!newSupplier.code.trim() || !newSupplier.name.trim()} onClick={() => void addSupplier()} data-testid="supplier-create">
                {t('inventory.createSupplier')}
              </Button>
            </Space.Compact>
          </Space>
          <Input value={address} placeholder={t('inventory.deliveryAddress')} onChange={(e) => setAddress(e.target.value)} style={{ maxWidth: 520 }} data-testid="po-address" />
          <Input value={cost} placeholder={t('inventory.unitCost')} onChange={(e) => setCost(e.target.value)} style={{ width: 200 }} data-testid="po-cost" />
          <ScanBox
            prefix="po"
            onScan={(l) => {
              try {
                setDraft((d) => [...d, { code: l.code, qty: l.qty ?? 1, unitCostFen: parseYuan(cost || '0') }]);
              } catch (err) {
                fail(err);
              }
            }}
          />
          {draft.length > 0 && (
            <Table
              rowKey={(_l, i) => String(i)}
              size="small"
              pagination={false}
              dataSource={draft}
              title={() => t('inventory.draftLines')}
              data-testid="po-draft"
              columns={[
                { title: t('inventory.itemCode'), dataIndex: 'code' },
                { title: t('inventory.ordered'), align: 'right', dataIndex: 'qty' },
                { title: t('inventory.unitCost'), align: 'right', render: (_v, l) => formatMoney(l.unitCostFen) },
              ]}
            />
          )}
          <Button type="primary" disabled={draft.length === 0 || !supplier} onClick={() => void create()} data-testid="po-create">
            {t('inventory.createPo')}
          </Button>
        </Space>
      </Card>
      <Table<PoRow>
        rowKey="id"
        size="small"
        dataSource={orders}
        pagination={false}
        data-testid="po-table"
        onRow={(r) => ({ onClick: () => void inventoryApi.purchaseOrder(store, r.id).then(setOpen, fail) })}
        columns={[
          { title: t('inventory.poNo'), dataIndex: 'poNo' },
          { title: t('inventory.supplier'), dataIndex: 'supplierName' },
          { title: t('inventory.status'), render: (_v, r) => <Tag>{t(`inventory.poStatus.${r.status}`)}</Tag> },
        ]}
      />
      {open && (
        <Card size="small" title={`${open.poNo} · ${open.supplier.name}`} extra={<Tag data-testid="po-status">{t(`inventory.poStatus.${open.status}`)}</Tag>} data-testid="po-detail">
          <Space direction="vertical" style={{ width: '100%' }}>
            <Table
              rowKey="lineNo"
              size="small"
              pagination={false}
              dataSource={open.lines}
              data-testid="po-lines"
              columns={[
                { title: t('inventory.code'), dataIndex: 'code' },
                { title: t('inventory.name'), dataIndex: 'name' },
                { title: t('inventory.ordered'), align: 'right', render: (_v, l) => qtyText(l.unit, l.qtyOrdered) },
                { title: t('inventory.receivedQty'), align: 'right', render: (_v, l) => qtyText(l.unit, l.qtyReceived) },
                { title: t('inventory.unitCost'), align: 'right', render: (_v, l) => formatMoney(l.unitCostFen) },
              ]}
            />
            <Space wrap>
              <Typography.Text strong data-testid="po-total">
                {t('inventory.poTotal', { total: formatMoney(open.totalCostFen) })}
              </Typography.Text>
              {open.sentBy && <Typography.Text type="secondary">{t('inventory.sentBy', { by: open.sentBy })}</Typography.Text>}
            </Space>
            <Space wrap>
              {open.status === 'draft' && (
                <Button type="primary" onClick={() => void inventoryApi.sendPurchaseOrder(store, open.id).then(async (po) => (setOpen(po), await load()), fail)} data-testid="po-send">
                  {t('inventory.sendPo')}
                </Button>
              )}
              <Button href={inventoryApi.printUrl(store, open.id)} target="_blank" data-testid="po-print">
                {t('inventory.printPo')}
              </Button>
              <Button href={inventoryApi.poExportUrl(store, open.id, 'xlsx')} data-testid="po-export-xlsx">
                {t('inventory.exportXlsx')}
              </Button>
              <Button href={inventoryApi.poExportUrl(store, open.id, 'csv')} data-testid="po-export-csv">
                {t('inventory.exportCsv')}
              </Button>
            </Space>
            {(open.status === 'ordered' || open.status === 'partly_received') && (
              <>
                <ScanBox prefix="receive" onScan={(l) => setScanned((s) => [...s, l])} />
                {scanned.map((l, i) => (
                  <Typography.Text key={i} data-testid="receive-scanned">{`${l.code} × ${l.qty ?? 1}`}</Typography.Text>
                ))}
                {overReason !== null && <Input value={overReason} placeholder={t('inventory.overReason')} onChange={(e) => setOverReason(e.target.value)} data-testid="receive-over-reason" />}
                <Button type="primary" disabled={scanned.length === 0} onClick={() => void receive()} data-testid="receive-submit">
                  {overReason !== null ? t('inventory.receiveOver') : t('inventory.receive')}
                </Button>
              </>
            )}
          </Space>
        </Card>
      )}
    </Space>
  );
}

function TransfersPanel({ store, me }: { store: string; me: Me }) {
  const { t } = useTranslation();
  const [rows, setRows] = useState<TransferRow[]>([]);
  const [to, setTo] = useState<string | undefined>(undefined);
  const [lines, setLines] = useState<ScanLine[]>([]);
  const [open, setOpen] = useState<Transfer | null>(null);
  const [arrived, setArrived] = useState<ScanLine[]>([]);
  const [message, setMessage] = useState<Message>(null);
  const fail = (err: unknown) => setMessage({ type: 'error', text: problemText(err, t) });
  const load = useCallback(async () => setRows((await inventoryApi.transfers(store)).transfers), [store]);
  useEffect(() => {
    void load().catch(fail);
  }, [load]);
  const show = (tr: Transfer) => {
    setOpen(tr);
    setArrived([]);
  };
  const send = async () => {
    try {
      const tr = await inventoryApi.sendTransfer(store, to ?? '', lines);
      setLines([]);
      show(tr);
      setMessage(null);
      await load();
    } catch (err) {
      fail(err);
    }
  };
  /** Receives what was scanned (a line not scanned arrived short), or, without scans, all as sent. */
  const receive = async (id: string, scanned?: ScanLine[]) => {
    try {
      const tr = await inventoryApi.receiveTransfer(store, id, scanned);
      show(tr);
      setMessage({ type: 'success', text: t('inventory.transferReceived', { transferNo: tr.transferNo }) });
      await load();
    } catch (err) {
      fail(err);
    }
  };
  const incoming = open !== null && open.status === 'in_transit' && rows.some((r) => r.id === open.id && r.direction === 'in');
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Feedback message={message} onClose={() => setMessage(null)} testId="transfers-message" />
      <Card size="small" title={t('inventory.newTransfer')}>
        <Space direction="vertical" style={{ width: '100%' }}>
          <Input value={to} placeholder={t('inventory.toStore')} onChange={(e) => setTo(e.target.value.toUpperCase())} style={{ width: 200 }} list="inventory-stores" data-testid="transfer-to" />
          <datalist id="inventory-stores">
            {me.stores.map((s) => (
              <option key={s.code} value={s.code} />
            ))}
          </datalist>
          <ScanBox prefix="transfer" onScan={(l) => setLines((s) => [...s, l])} />
          {lines.map((l, i) => (
            <Typography.Text key={i}>{`${l.code} × ${l.qty ?? 1}`}</Typography.Text>
          ))}
          <Button type="primary" disabled={lines.length === 0 || !to} onClick={() => void send()} data-testid="transfer-send">
            {t('inventory.sendTransfer')}
          </Button>
        </Space>
      </Card>
      <Table<TransferRow>
        rowKey="id"
        size="small"
        dataSource={rows}
        pagination={false}
        data-testid="transfer-table"
        onRow={(r) => ({ onClick: () => void inventoryApi.transfer(r.id).then(show, fail) })}
        columns={[
          { title: t('inventory.transferNo'), dataIndex: 'transferNo' },
          { title: t('inventory.direction'), render: (_v, r) => (r.direction === 'out' ? `→ ${r.toStore}` : `← ${r.fromStore}`) },
          { title: t('inventory.status'), render: (_v, r) => <Tag color={r.status === 'in_transit' ? 'blue' : 'green'}>{t(`inventory.transferStatus.${r.status}`)}</Tag> },
          {
            title: '',
            render: (_v, r) =>
              r.direction === 'in' && r.status === 'in_transit' ? (
                <Button
                  size="small"
                  onClick={(e) => {
                    e.stopPropagation();
                    void receive(r.id);
                  }}
                  data-testid={`transfer-receive-${r.id}`}
                >
                  {t('inventory.receiveAsSent')}
                </Button>
              ) : null,
          },
        ]}
      />
      {open && (
        <Card size="small" title={open.transferNo} extra={<Tag data-testid="transfer-status">{t(`inventory.transferStatus.${open.status}`)}</Tag>} data-testid="transfer-detail">
          <Space direction="vertical" style={{ width: '100%' }}>
            <Table
              rowKey="lineNo"
              size="small"
              pagination={false}
              dataSource={open.lines}
              data-testid="transfer-lines"
              columns={[
                { title: t('inventory.code'), dataIndex: 'code' },
                { title: t('inventory.name'), dataIndex: 'name' },
                { title: t('inventory.sent'), align: 'right', render: (_v, l) => qtyText(l.unit, l.qtySent) },
                { title: t('inventory.receivedQty'), align: 'right', render: (_v, l) => (l.qtyReceived === null ? t('inventory.transferStatus.in_transit') : qtyText(l.unit, l.qtyReceived)) },
                { title: t('inventory.difference'), render: (_v, l) => (l.result && l.result !== 'ok' ? <Tag color="red">{`${t(`inventory.result.${l.result}`)} ${l.difference}`}</Tag> : null) },
              ]}
            />
            {incoming && (
              <>
                <Typography.Text type="secondary">{t('inventory.scanToReceive')}</Typography.Text>
                <ScanBox prefix="transfer-in" onScan={(l) => setArrived((s) => [...s, l])} />
                {arrived.map((l, i) => (
                  <Typography.Text key={i}>{`${l.code} × ${l.qty ?? 1}`}</Typography.Text>
                ))}
                <Button type="primary" disabled={arrived.length === 0} onClick={() => void receive(open.id, arrived)} data-testid="transfer-receive-scanned">
                  {t('inventory.receiveScanned')}
                </Button>
              </>
            )}
          </Space>
        </Card>
      )}
    </Space>
  );
}

/** Shelf locations (货位): one item at a time, or lines pasted from a spreadsheet, saved all or none. */
function LocationsPanel({ store }: { store: string }) {
  const { t } = useTranslation();
  const [rows, setRows] = useState<ShelfLocation[]>([]);
  const [code, setCode] = useState('');
  const [location, setLocation] = useState('');
  const [paste, setPaste] = useState('');
  const [lineErrors, setLineErrors] = useState<Array<{ line: number; message: string }>>([]);
  const [message, setMessage] = useState<Message>(null);
  const fail = (err: unknown) => setMessage({ type: 'error', text: problemText(err, t) });
  const load = useCallback(async () => setRows((await inventoryApi.locations(store)).locations), [store]);
  useEffect(() => {
    void load().catch(fail);
  }, [load]);
  const save = async () => {
    try {
      await inventoryApi.setLocation(store, code.trim(), location.trim());
      setMessage({ type: 'success', text: t('inventory.locationSaved', { code: code.trim() }) });
      setCode('');
      setLocation('');
      await load();
    } catch (err) {
      fail(err);
    }
  };
  const importPaste = async () => {
    try {
      const done = await inventoryApi.importLocations(store, paste);
      setLineErrors([]);
      setPaste('');
      setMessage({ type: 'success', text: t('inventory.locationsImported', done) });
      await load();
    } catch (err) {
      const errors = err instanceof ApiError ? err.problem.details?.errors : undefined;
      setLineErrors(Array.isArray(errors) ? (errors as Array<{ line: number; message: string }>) : []);
      fail(err);
    }
  };
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Feedback message={message} onClose={() => setMessage(null)} testId="locations-message" />
      <Space.Compact>
        <Input value={code} placeholder={t('inventory.itemCode')} onChange={(e) => setCode(e.target.value)} style={{ width: 200 }} data-testid="location-item" />
        <Input value={location} placeholder={t('inventory.locationCode')} onChange={(e) => setLocation(e.target.value)} onPressEnter={() => void save()} style={{ width: 180 }} data-testid="location-code" />
        <Button disabled={!code.trim()} onClick={() => void save()} data-testid="location-save">
          {t('inventory.setLocation')}
        </Button>
      </Space.Compact>
      <Input.TextArea value={paste} rows={5} placeholder={t('inventory.locationPaste')} onChange={(e) => setPaste(e.target.value)} style={{ maxWidth: 520 }} data-testid="location-paste" />
      <Button disabled={!paste.trim()} onClick={() => void importPaste()} data-testid="location-import">
        {t('inventory.importLocations')}
      </Button>
      {lineErrors.length > 0 && (
        <Alert
          type="error"
          data-testid="location-errors"
          title={
            <ul style={{ margin: 0, paddingLeft: 16 }}>
              {lineErrors.map((e) => (
                <li key={e.line}>{t('inventory.lineError', { line: e.line, message: e.message })}</li>
              ))}
            </ul>
          }
        />
      )}
      <Table<ShelfLocation>
        rowKey="skuId"
        size="small"
        dataSource={rows}
        pagination={{ pageSize: 50 }}
        locale={{ emptyText: t('inventory.noLocations') }}
        data-testid="location-table"
        columns={[
          { title: t('inventory.location'), dataIndex: 'location', width: 120 },
          { title: t('inventory.code'), dataIndex: 'code', width: 140 },
          { title: t('inventory.name'), dataIndex: 'name' },
        ]}
      />
    </Space>
  );
}

function CountsPanel({ store, canManage }: { store: string; canManage: boolean }) {
  const { t } = useTranslation();
  const [counts, setCounts] = useState<CountRow[]>([]);
  const [scope, setScope] = useState<CountSheet['scope']>('category');
  const [category, setCategory] = useState('');
  const [locationCodes, setLocationCodes] = useState('');
  const [openId, setOpenId] = useState<string | null>(null);
  const [message, setMessage] = useState<Message>(null);
  const fail = (err: unknown) => setMessage({ type: 'error', text: problemText(err, t) });
  const load = useCallback(async () => setCounts((await inventoryApi.counts(store)).counts), [store]);
  useEffect(() => {
    void load().catch(fail);
  }, [load]);
  const start = async () => {
    try {
      const sheet = await inventoryApi.createCount(store, scope, {
        categoryCode: scope === 'category' ? category.trim() : undefined,
        locationCodes: scope === 'location' ? locationCodes.split(/[\s,，、]+/).filter(Boolean) : undefined,
      });
      setOpenId(sheet.id);
      await load();
    } catch (err) {
      fail(err);
    }
  };
  if (openId) return <CountSheetView store={store} id={openId} canManage={canManage} onBack={() => (setOpenId(null), void load())} />;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Feedback message={message} onClose={() => setMessage(null)} testId="counts-message" />
      {canManage && (
        <Space wrap>
          <Select
            value={scope}
            onChange={setScope}
            style={{ width: 140 }}
            options={(['category', 'location', 'full'] as const).map((s) => ({ value: s, label: t(`inventory.scope.${s}`) }))}
            data-testid="count-scope"
          />
          {scope === 'category' && <Input value={category} placeholder={t('inventory.categoryCode')} onChange={(e) => setCategory(e.target.value)} style={{ width: 160 }} data-testid="count-category" />}
          {scope === 'location' && <Input value={locationCodes} placeholder={t('inventory.locationCodes')} onChange={(e) => setLocationCodes(e.target.value)} style={{ width: 280 }} data-testid="count-locations" />}
          <Button type="primary" onClick={() => void start()} data-testid="count-start">
            {t('inventory.startCount')}
          </Button>
        </Space>
      )}
      <Table<CountRow>
        rowKey="id"
        size="small"
        dataSource={counts}
        pagination={false}
        data-testid="count-table"
        onRow={(r) => ({ onClick: () => setOpenId(r.id) })}
        columns={[
          { title: t('inventory.countNo'), dataIndex: 'countNo' },
          { title: t('inventory.scopeTitle'), render: (_v, r) => `${t(`inventory.scope.${r.scope}`)}${r.locationCodes.length > 0 ? ` ${r.locationCodes.join(', ')}` : ''}` },
          { title: t('inventory.status'), render: (_v, r) => <Tag>{t(`inventory.countStatus.${r.status}`)}</Tag> },
        ]}
      />
    </Space>
  );
}

/** The handheld count sheet: a scan box and what was counted; the manager approves and sees the variance. */
function CountSheetView({ store, id, canManage, onBack }: { store: string; id: string; canManage: boolean; onBack: () => void }) {
  const { t } = useTranslation();
  const [sheet, setSheet] = useState<CountSheet | null>(null);
  const [variance, setVariance] = useState<Variance | null>(null);
  const [message, setMessage] = useState<Message>(null);
  const fail = (err: unknown) => setMessage({ type: 'error', text: problemText(err, t) });
  useEffect(() => {
    void inventoryApi.countSheet(store, id).then(setSheet, fail);
  }, [store, id]);
  useEffect(() => {
    if (sheet?.status === 'approved' && canManage && !variance) void inventoryApi.variance(store, id).then(setVariance, fail);
  }, [sheet, canManage]);
  if (!sheet) return null;
  const act = async (fn: () => Promise<CountSheet>) => {
    try {
      setSheet(await fn());
      setMessage(null);
    } catch (err) {
      fail(err);
    }
  };
  return (
    <Card size="small" style={{ maxWidth: 560 }} title={`${t('inventory.count')} ${sheet.countNo}${sheet.locationCodes.length > 0 ? ` · ${sheet.locationCodes.join(', ')}` : ''}`} extra={<Tag data-testid="count-status">{t(`inventory.countStatus.${sheet.status}`)}</Tag>} data-testid="count-sheet">
      <Space direction="vertical" style={{ width: '100%' }}>
        <Feedback message={message} onClose={() => setMessage(null)} testId="count-message" />
        {sheet.status === 'open' && <ScanBox prefix="count" onScan={(l) => act(() => inventoryApi.countEntry(store, id, l.code, l.qty))} />}
        <Table
          rowKey="skuId"
          size="small"
          pagination={false}
          dataSource={sheet.lines}
          locale={{ emptyText: t('inventory.nothingCounted') }}
          data-testid="count-lines"
          columns={[
            { title: t('inventory.location'), width: 90, render: (_v, l) => l.location ?? '—' },
            { title: t('inventory.name'), render: (_v, l) => `${l.name} (${l.code})` },
            { title: t('inventory.counted'), align: 'right', render: (_v, l) => qtyText(l.unit, l.counted) },
          ]}
        />
        <Space>
          <Button onClick={onBack}>{t('inventory.back')}</Button>
          {sheet.status === 'open' && (
            <Button type="primary" disabled={sheet.lines.length === 0} onClick={() => void act(() => inventoryApi.submitCount(store, id))} data-testid="count-submit">
              {t('inventory.submitCount')}
            </Button>
          )}
          {sheet.status === 'submitted' && canManage && (
            <Button
              type="primary"
              onClick={() =>
                void inventoryApi.approveCount(store, id).then(async (v) => {
                  setVariance(v);
                  setSheet(await inventoryApi.countSheet(store, id));
                }, fail)
              }
              data-testid="count-approve"
            >
              {t('inventory.approveCount')}
            </Button>
          )}
        </Space>
        {variance && (
          <>
            <Typography.Text strong data-testid="variance-total">
              {t('inventory.varianceTotal', { net: formatMoney(variance.totals.netFen), over: formatMoney(variance.totals.overFen), short: formatMoney(variance.totals.shortFen) })}
            </Typography.Text>
            <Table
              rowKey="skuId"
              size="small"
              pagination={false}
              dataSource={variance.lines}
              data-testid="variance-table"
              columns={[
                { title: t('inventory.location'), render: (_v, l) => l.location ?? '—' },
                { title: t('inventory.name'), render: (_v, l) => `${l.name} (${l.code})` },
                { title: t('inventory.expected'), align: 'right', render: (_v, l) => qtyText(l.unit, l.expected) },
                { title: t('inventory.counted'), align: 'right', render: (_v, l) => qtyText(l.unit, l.counted) },
                { title: t('inventory.difference'), align: 'right', render: (_v, l) => (l.difference > 0 ? `+${l.difference}` : String(l.difference)) },
                { title: t('inventory.varianceFen'), align: 'right', render: (_v, l) => formatMoney(l.varianceFen) },
              ]}
            />
          </>
        )}
      </Space>
    </Card>
  );
}
