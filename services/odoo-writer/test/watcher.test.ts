import { spawn } from 'node:child_process';
import path from 'node:path';
import { uniqueName } from '@retail-backbone/devstack';
import { createOdooClient, X2Many, type OdooClient } from '@retail-backbone/odoo-client';
import type { WatcherConfig } from '../src/watcher/config';
import { startOdooWatcher, type RunningOdooWatcher } from '../src/watcher/start';
import { orderPlaced, SCHEMA, silentLogger, startHarness, waitFor, type Harness } from './harness';

type Row = Record<string, unknown>;

describe('Odoo watcher (simulator → odoo-writer outbox)', () => {
  let h: Harness;
  let odoo: OdooClient;
  let watcher: RunningOdooWatcher | undefined;
  let loc: Record<'stock' | 'vendors' | 'customers' | 'scrap' | 'inventory', number>;

  const config = (overrides: Partial<WatcherConfig> = {}): WatcherConfig => ({
    writer: { ...h.config, port: undefined },
    pollIntervalMs: 50,
    pageSize: 3,
    overlapSeconds: 10,
    locations: new Map([['WH/Stock', 'online']]),
    ...overrides,
  });

  const startWatcher = async (overrides: Partial<WatcherConfig> = {}) => {
    watcher = await startOdooWatcher(config(overrides), { logger: silentLogger() });
    return watcher;
  };
  const stopWatcher = async () => {
    await watcher?.stop();
    watcher = undefined;
  };

  const outbox = async (eventType: string): Promise<Row[]> => {
    const { rows } = await h.writer!.pool.query<{ payload: Row }>(`SELECT payload FROM ${SCHEMA}.outbox WHERE event_type = $1 ORDER BY id`, [eventType]);
    return rows.map((r) => r.payload);
  };
  const movementsOf = async (moveIds: number[]) => {
    const refs = new Set(moveIds.map((id) => `stock.move:${id}`));
    return (await outbox('StockMovementRecorded')).filter((m) => refs.has(String(m.sourceReference)));
  };
  const watched = async (keys: string[]) => {
    const { rows } = await h.writer!.pool.query<{ dedup_key: string; outcome: string; reason: string | null }>(
      `SELECT dedup_key, outcome, reason FROM ${SCHEMA}.watched_records WHERE dedup_key = ANY($1::text[])`,
      [keys],
    );
    return rows;
  };

  const productId = async (sku: string) => (await odoo.searchRead<{ id: number }>('product.product', [['default_code', '=', sku]], { fields: ['id'] }))[0]!.id;

  /** A picking validated in Odoo as a person would: create, then button_validate (quantities = demand). */
  async function validatedPicking(code: 'incoming' | 'internal', from: number, to: number, lines: Array<[string, number]>): Promise<{ pickingId: number; moveIds: number[] }> {
    const moves = await Promise.all(lines.map(async ([sku, qty]) => ({ name: sku, product_id: await productId(sku), product_uom_qty: qty, location_id: from, location_dest_id: to })));
    const [pickingId] = await odoo.create('stock.picking', [{ picking_type_code: code, location_id: from, location_dest_id: to, move_ids: moves.map((m) => X2Many.create(m)) }]);
    expect(await odoo.callMethod('stock.picking', 'button_validate', [pickingId!])).toBe(true);
    const moveIds = (await odoo.searchRead<{ id: number }>('stock.move', [['picking_id', '=', pickingId!]], { fields: ['id'], order: 'id asc' })).map((m) => m.id);
    return { pickingId: pickingId!, moveIds };
  }

  /** A backbone order placed by odoo-writer, and its open delivery. */
  async function backboneOrder(skus: string[]): Promise<{ orderId: string; pickingId: number }> {
    const orderId = `shopify:watcher.example:${uniqueName('o')}`;
    await h.publish('OrderPlaced', orderPlaced(orderId, skus));
    const so = await waitFor(() => h.saleOrders(orderId).find((o) => o.state === 'sale'), 30_000);
    const picking = h.sim.records('stock.picking').find((p) => p.sale_id === so.id && p.picking_type_code === 'outgoing')!;
    return { orderId, pickingId: picking.id as number };
  }

  beforeAll(async () => {
    h = await startHarness();
    await h.start();
    odoo = createOdooClient({ ...h.config.odoo });
    const byName = new Map(h.sim.records('stock.location').map((l) => [String(l.complete_name), l.id as number]));
    loc = {
      stock: byName.get('WH/Stock')!,
      vendors: byName.get('Partners/Vendors')!,
      customers: byName.get('Partners/Customers')!,
      scrap: byName.get('Virtual Locations/Scrap')!,
      inventory: byName.get('Virtual Locations/Inventory adjustment')!,
    };
  });

  afterEach(async () => {
    await stopWatcher();
    h.sim.control.setClockOffset(0);
  });

  afterAll(async () => {
    await odoo?.close();
    await h?.close();
  });

  // odoo/odoo 17.0-19.0 addons/stock/models/stock_move.py: a done move keeps quantity, location_id
  // and location_dest_id; receipts come from a 'supplier' location, scrap goes to a scrap location.
  it('emits a receipt, a scrap and an internal transfer validated in Odoo as StockMovementRecorded, once each', async () => {
    const [shelf] = await odoo.create('stock.location', [{ complete_name: 'WH/Stock/Shelf 2', usage: 'internal' }]);
    const receipt = await validatedPicking('incoming', loc.vendors, loc.stock, [
      ['RB-MUG', 7],
      ['RB-CAP', 3],
    ]);
    const scrap = await validatedPicking('internal', loc.stock, loc.scrap, [['RB-CAP', 1]]);
    const transfer = await validatedPicking('internal', loc.stock, shelf!, [['RB-MUG', 2]]);
    await startWatcher();
    const ids = [...receipt.moveIds, ...scrap.moveIds, ...transfer.moveIds];
    await waitFor(async () => (await movementsOf(ids)).length === 5);
    const movements = await movementsOf(ids);
    const pick = (ref: number) => movements.filter((m) => m.sourceReference === `stock.move:${ref}`).map(({ sku, locationId, movementType, quantityDelta, source, reason }) => ({ sku, locationId, movementType, quantityDelta, source, reason }));
    expect(pick(receipt.moveIds[0]!)).toEqual([{ sku: 'RB-MUG', locationId: 'online', movementType: 'receipt', quantityDelta: 7, source: 'odoo', reason: null }]);
    expect(pick(receipt.moveIds[1]!)).toEqual([{ sku: 'RB-CAP', locationId: 'online', movementType: 'receipt', quantityDelta: 3, source: 'odoo', reason: null }]);
    expect(pick(scrap.moveIds[0]!)).toEqual([{ sku: 'RB-CAP', locationId: 'online', movementType: 'adjustment', quantityDelta: -1, source: 'odoo', reason: 'scrapped' }]);
    // the shelf is not mapped: it keeps its Odoo name as the backbone location
    expect(pick(transfer.moveIds[0]!)).toEqual([
      { sku: 'RB-MUG', locationId: 'online', movementType: 'transfer_out', quantityDelta: -2, source: 'odoo', reason: null },
      { sku: 'RB-MUG', locationId: 'WH/Stock/Shelf 2', movementType: 'transfer_in', quantityDelta: 2, source: 'odoo', reason: null },
    ]);
    // polls keep re-reading the overlap window; nothing more is recorded
    const report = await watcher!.watcher.pollOnce();
    expect(report.emitted).toBe(0);
    expect(report.duplicates).toBeGreaterThan(0);
    expect(await movementsOf(ids)).toHaveLength(5);
    expect((await watched(ids.map((id) => `stock.move:${id}:done`))).map((r) => r.outcome)).toEqual(['emitted', 'emitted', 'emitted', 'emitted']);
  });

  // odoo/odoo 19.0 addons/stock/models/stock_quant.py action_apply_inventory: a done move from or to
  // the inventory-adjustment location (is_inventory) per counted quant.
  it('emits an inventory count applied in Odoo as an adjustment movement', async () => {
    const mug = await productId('RB-MUG');
    const quant = h.sim.records('stock.quant').find((q) => q.product_id === mug && q.location_id === loc.stock)!;
    const counted = (quant.quantity as number) - 4;
    await odoo.write('stock.quant', [quant.id as number], { inventory_quantity: counted }, { context: { inventory_mode: true } });
    await odoo.callMethod('stock.quant', 'action_apply_inventory', [quant.id as number], { context: { inventory_mode: true } });
    const move = h.sim.records('stock.move').filter((m) => m.is_inventory && m.product_id === mug).at(-1)!;
    await startWatcher();
    const [movement] = await waitFor(async () => {
      const found = await movementsOf([move.id as number]);
      return found.length ? found : undefined;
    });
    expect(movement).toMatchObject({ sku: 'RB-MUG', locationId: 'online', movementType: 'adjustment', quantityDelta: -4, reason: 'inventory_loss' });
  });

  // odoo/odoo 19.0 addons/stock/models/stock_picking.py button_validate (state done, date_done,
  // carrier_tracking_ref from addons/stock_delivery); addons/sale_stock: stock.picking.sale_id.
  it("emits a backbone order's delivery validated in Odoo once as ShipmentDispatched, and not the writer's own validation", async () => {
    const byPerson = await backboneOrder(['RB-MUG', 'RB-CAP']);
    await odoo.write('stock.picking', [byPerson.pickingId], { carrier_tracking_ref: 'TRACK-123' });
    expect(await odoo.callMethod('stock.picking', 'button_validate', [byPerson.pickingId])).toBe(true);

    const byWriter = await backboneOrder(['RB-MUG']);
    await h.publish('ShipmentDispatched', { orderId: byWriter.orderId, shipmentId: uniqueName('wms'), source: 'wms', trackingNumber: 'WMS-1', erpPickingId: null, lines: [{ lineId: null, sku: 'RB-MUG', quantity: 1 }] });
    await waitFor(() => h.sim.records('stock.picking').find((p) => p.id === byWriter.pickingId)?.state === 'done', 30_000);
    await waitFor(async () => (await h.outbox('OrderSyncedToErp')).some((e) => e.orderId === byWriter.orderId && e.operation === 'picking_validate'), 30_000);

    await startWatcher();
    const keys = [byPerson.pickingId, byWriter.pickingId].map((id) => `stock.picking:${id}:done`);
    await waitFor(async () => (await watched(keys)).length === 2);
    const shipments = (await outbox('ShipmentDispatched')).filter((s) => s.orderId === byPerson.orderId || s.orderId === byWriter.orderId);
    expect(shipments).toEqual([
      expect.objectContaining({
        orderId: byPerson.orderId,
        shipmentId: `odoo-picking-${byPerson.pickingId}`,
        source: 'odoo',
        locationId: 'online',
        trackingNumber: 'TRACK-123',
        erpPickingId: String(byPerson.pickingId),
        lines: [
          { lineId: null, sku: 'RB-MUG', quantity: 1 },
          { lineId: null, sku: 'RB-CAP', quantity: 1 },
        ],
      }),
    ]);
    const own = (await watched(keys)).find((r) => r.dedup_key === keys[1]);
    expect(own).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('validated by odoo-writer') });
    // the delivery's moves are the shipment, not stock movements of their own
    const deliveryMoves = h.sim.records('stock.move').filter((m) => m.picking_id === byPerson.pickingId || m.picking_id === byWriter.pickingId).map((m) => m.id as number);
    await waitFor(async () => (await watched(deliveryMoves.map((id) => `stock.move:${id}:done`))).length === deliveryMoves.length);
    expect(await movementsOf(deliveryMoves)).toEqual([]);
    await watcher!.watcher.pollOnce();
    expect((await outbox('ShipmentDispatched')).filter((s) => s.orderId === byPerson.orderId)).toHaveLength(1);
  });

  it('emits every record exactly once when the watcher process is SIGKILLed inside a page transaction and restarted', async () => {
    const receipts = [];
    for (let i = 0; i < 4; i += 1) receipts.push(await validatedPicking('incoming', loc.vendors, loc.stock, [['RB-MUG', 1], ['RB-CAP', 2], ['RB-TSHIRT-S', 3]]));
    const moveIds = receipts.flatMap((r) => r.moveIds);
    const keys = moveIds.map((id) => `stock.move:${id}:done`);
    const before = (await watched(keys)).length;
    expect(before).toBe(0);
    const { rows: cursorRows } = await h.writer!.pool.query(`SELECT write_date, record_id FROM ${SCHEMA}.watch_cursors WHERE model = 'stock.move'`);
    const cfg = config({ pageSize: 2 });
    const worker = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures/watcher-crash-worker.ts')], {
      cwd: path.resolve(__dirname, '../../..'),
      // pages 1 and 2 commit; the third is killed before its COMMIT
      env: { ...process.env, WATCHER_CONFIG: JSON.stringify({ ...cfg, locations: [...cfg.locations] }), WATCHER_KILL_ON_PAGE: '3' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => worker.on('exit', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGKILL');
    // the killed page left nothing: what committed is whole pages, with the cursor at their end
    const afterKill = (await watched(keys)).length;
    expect(afterKill).toBeLessThan(keys.length);
    expect((await movementsOf(moveIds)).length).toBe(afterKill);
    const { rows: moved } = await h.writer!.pool.query(`SELECT write_date, record_id FROM ${SCHEMA}.watch_cursors WHERE model = 'stock.move'`);
    expect(moved).not.toEqual(cursorRows);

    await startWatcher({ pageSize: 2 });
    await waitFor(async () => (await watched(keys)).length === keys.length);
    await watcher!.watcher.pollOnce();
    const movements = await movementsOf(moveIds);
    expect(movements).toHaveLength(moveIds.length);
    expect(new Set(movements.map((m) => m.movementId)).size).toBe(moveIds.length);
    expect((await watched(keys)).every((r) => r.outcome === 'emitted')).toBe(true);
  }, 90_000);
  // last: the clock stays ahead of the cursors it leaves behind
  it('loses nothing written in one second across pages, with Odoo two hours ahead and its clock then stepping back 30 s', async () => {
    h.sim.control.setClockOffset(2 * 3_600_000);
    const first = await validatedPicking(
      'incoming',
      loc.vendors,
      loc.stock,
      // seven moves of one transaction: one write_date, read three at a time
      ['RB-MUG', 'RB-CAP', 'RB-TSHIRT-S', 'RB-TSHIRT-M', 'RB-MUG', 'RB-CAP', 'RB-MUG'].map((sku, i) => [sku, i + 1] as [string, number]),
    );
    await startWatcher({ pageSize: 3, overlapSeconds: 60 });
    await waitFor(async () => (await movementsOf(first.moveIds)).length === 7);
    // a write stamped before the cursor: a late commit, or Odoo's clock corrected backwards
    h.sim.control.setClockOffset(2 * 3_600_000 - 30_000);
    const late = await validatedPicking('incoming', loc.vendors, loc.stock, [['RB-CAP', 11]]);
    const lateMove = h.sim.records('stock.move').find((m) => m.id === late.moveIds[0])!;
    const firstMove = h.sim.records('stock.move').find((m) => m.id === first.moveIds[0])!;
    expect(String(lateMove.write_date) < String(firstMove.write_date)).toBe(true);
    await waitFor(async () => (await movementsOf(late.moveIds)).length === 1);
    const all = await movementsOf([...first.moveIds, ...late.moveIds]);
    expect(all.map((m) => m.quantityDelta).sort((a, b) => Number(a) - Number(b))).toEqual([1, 2, 3, 4, 5, 6, 7, 11]);
    expect(new Set(all.map((m) => m.movementId)).size).toBe(8);
  });
});
