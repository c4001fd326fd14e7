import { uniqueName } from '@retail-backbone/devstack';
import { createOdooClient } from '@retail-backbone/odoo-client';
import { orderPlaced, pricedOrder, setUpAccounting, startHarness, TEST_ACCOUNTING, waitFor, type Harness } from './harness';

describe('odoo-writer: partial and multiple shipments', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    await h.start();
  });

  afterAll(async () => {
    await h?.close();
  });

  const validated = async (orderId: string) => (await h.outbox('OrderSyncedToErp')).filter((e) => e.orderId === orderId && e.operation === 'picking_validate');
  const pickingsOf = (saleOrderId: unknown) => h.sim.records('stock.picking').filter((p) => p.sale_id === saleOrderId && p.picking_type_code === 'outgoing');
  const movesOf = (pickingId: unknown) => h.sim.records('stock.move').filter((m) => m.picking_id === pickingId);
  const skuOf = (productId: unknown) => h.sim.records('product.product').find((p) => p.id === productId)?.default_code;

  async function placeOrder(quantities: Record<string, number>): Promise<{ id: string; saleOrderId: number }> {
    const id = `shopify:ship.example:${uniqueName('o')}`;
    const base = orderPlaced(id, Object.keys(quantities));
    await h.publish('OrderPlaced', { ...base, lines: base.lines!.map((l) => ({ ...l, quantity: quantities[l.sku]! })) });
    await waitFor(async () => (await h.outbox('OrderSyncedToErp')).some((e) => e.orderId === id && e.operation === 'create'));
    return { id, saleOrderId: h.saleOrders(id)[0]!.id as number };
  }

  const ship = (orderId: string, lines: Array<[string, number]>, trackingNumber: string | null) =>
    h.publish('ShipmentDispatched', {
      orderId,
      shipmentId: `wms:${uniqueName('s')}`,
      source: 'wms',
      lines: lines.map(([sku, quantity]) => ({ lineId: null, sku, quantity })),
      trackingNumber,
      erpPickingId: null,
    });

  it('ends a three-shipment order with three done pickings holding what each shipment held, and no open backorder', async () => {
    const { id, saleOrderId } = await placeOrder({ 'RB-MUG': 3, 'RB-CAP': 1, 'RB-TSHIRT-M': 2 });
    await ship(id, [['RB-MUG', 1]], 'TRK-A');
    await waitFor(async () => (await validated(id)).length === 1);
    // after the first: one done picking with one mug, a backorder with the rest
    const afterFirst = pickingsOf(saleOrderId);
    expect(afterFirst.map((p) => p.state).sort()).toEqual(['assigned', 'done']);
    const backorder = afterFirst.find((p) => p.state !== 'done')!;
    expect(backorder.backorder_id).toBe(afterFirst.find((p) => p.state === 'done')!.id);

    await ship(id, [['RB-MUG', 2], ['RB-CAP', 1]], null);
    await waitFor(async () => (await validated(id)).length === 2);
    await ship(id, [['RB-TSHIRT-M', 2]], 'TRK-C');
    await waitFor(async () => (await validated(id)).length === 3);

    const pickings = pickingsOf(saleOrderId).sort((a, b) => (a.id as number) - (b.id as number));
    expect(pickings.map((p) => p.state)).toEqual(['done', 'done', 'done']);
    const shipped = pickings.map((p) =>
      movesOf(p.id)
        .filter((m) => m.state === 'done')
        .map((m) => `${String(skuOf(m.product_id))}×${String(m.quantity)}`)
        .sort(),
    );
    expect(shipped).toEqual([['RB-MUG×1'], ['RB-CAP×1', 'RB-MUG×2'], ['RB-TSHIRT-M×2']]);
    expect(pickings.map((p) => p.carrier_tracking_ref || null)).toEqual(['TRK-A', null, 'TRK-C']);
    // every ordered unit delivered, as Odoo counts it on the order lines
    const lines = h.sim.records('sale.order.line').filter((l) => l.order_id === saleOrderId);
    expect(lines.map((l) => [skuOf(l.product_id), l.product_uom_qty]).sort()).toEqual([['RB-CAP', 1], ['RB-MUG', 3], ['RB-TSHIRT-M', 2]]);
    const delivered = h.sim.records('stock.move').filter((m) => lines.some((l) => l.id === m.sale_line_id) && m.state === 'done');
    for (const line of lines) {
      expect(delivered.filter((m) => m.sale_line_id === line.id).reduce((s, m) => s + (m.quantity as number), 0)).toBe(line.product_uom_qty);
    }
  });

  it('validates a redelivered partial shipment once', async () => {
    const { id, saleOrderId } = await placeOrder({ 'RB-MUG': 2 });
    const first = await ship(id, [['RB-MUG', 1]], 'TRK-1');
    await waitFor(async () => (await validated(id)).length === 1);
    await h.publish('ShipmentDispatched', {}, first); // the same event again
    await ship(id, [['RB-MUG', 1]], 'TRK-2');
    await waitFor(async () => (await validated(id)).length === 2);
    expect(pickingsOf(saleOrderId).map((p) => p.state)).toEqual(['done', 'done']);
  });
});

describe('odoo-writer: invoicing on delivery', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ config: { accounting: { ...TEST_ACCOUNTING, invoicing: { shopify: 'delivery' } } } });
    await setUpAccounting(h.sim);
    await h.start();
  });

  afterAll(async () => {
    await h?.close();
  });

  const validated = async (orderId: string) => (await h.outbox('OrderSyncedToErp')).filter((e) => e.orderId === orderId && e.operation === 'picking_validate');
  const invoicesOf = (saleOrderName: unknown) => h.sim.records('account.move').filter((m) => m.move_type === 'out_invoice' && m.invoice_origin === saleOrderName);

  it('invoices an order with the shipment that leaves nothing to deliver, for its full total', async () => {
    const id = `shopify:invoice-on-delivery.example:${uniqueName('o')}`;
    const order = pricedOrder(id, ['RB-MUG', 'RB-CAP']);
    await h.publish('OrderPlaced', order);
    await waitFor(async () => (await h.outbox('OrderSyncedToErp')).some((e) => e.orderId === id && e.operation === 'create'));
    const [so] = h.saleOrders(id);
    expect(invoicesOf(so!.name)).toHaveLength(0);

    const ship = (sku: string, n: number) =>
      h.publish('ShipmentDispatched', { orderId: id, shipmentId: `wms:${uniqueName('s')}`, source: 'wms', lines: [{ lineId: null, sku, quantity: 1 }], trackingNumber: `TRK-${n}`, erpPickingId: null });
    await ship('RB-MUG', 1);
    await waitFor(async () => (await validated(id)).length === 1);
    expect(invoicesOf(so!.name)).toHaveLength(0);
    await ship('RB-CAP', 2);
    await waitFor(async () => (await validated(id)).length === 2);
    const invoices = invoicesOf(so!.name);
    expect(invoices).toHaveLength(1);
    expect(invoices[0]!.state).toBe('posted');
    const odoo = createOdooClient({ ...h.config.odoo });
    try {
      const [row] = await odoo.read<{ amount_total: number }>('account.move', [invoices[0]!.id as number], ['amount_total']);
      expect(row!.amount_total).toBe(Number(order.totals!.grandTotal.amount));
    } finally {
      await odoo.close();
    }
  });
});
