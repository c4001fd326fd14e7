/**
 * Odoo as an input of the backbone, on the whole platform: stock received in Odoo reaches the
 * availability API and a delivery validated in Odoo reaches retail.shipments.v1, each once, across
 * a SIGKILL of the odoo-watcher process (the supervisor restarts it).
 */
import { EventSerde } from '@retail-backbone/contracts';
import { DEMO_CATALOG, eventually, seedOdooProducts, startPlatform, TrafficClient, ensurePosApiKey, type RunningPlatform } from '@retail-backbone/local-platform';
import { createOdooClient, X2Many, type OdooClient } from '@retail-backbone/odoo-client';
import { saleOrdersByOrderId } from '@retail-backbone/odoo-writer/src/odoo/references';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import pg from 'pg';

jest.setTimeout(300_000);

const SEEDED = 10_000;
const RECEIVED_SKU = DEMO_CATALOG[1]!.sku;
const SHIPPED_SKU = DEMO_CATALOG[2]!.sku;
/** The platform maps no Odoo location, so Odoo's stock is at the backbone location of that name. */
const ODOO_STOCK = 'WH/Stock';

let platform: RunningPlatform;
let odoo: OdooClient;
let pool: pg.Pool;
let traffic: TrafficClient;
let consumer: Consumer;
const seen: Array<{ topic: string; eventType: string; value: Record<string, unknown> }> = [];
const logs: string[] = [];

const onHand = async (sku: string): Promise<number | null> => {
  const answer = await traffic.getAvailability(sku, ODOO_STOCK);
  if (answer.status !== 200) return null;
  return (answer.body as { locations: Array<{ locationId: string; onHand: number }> }).locations.find((l) => l.locationId === ODOO_STOCK)?.onHand ?? null;
};

const watchedCount = async (keys: string[]) =>
  Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM odoo_writer.watched_records WHERE dedup_key = ANY($1::text[])', [keys])).rows[0]!.n);

beforeAll(async () => {
  platform = await startPlatform({
    ephemeral: true,
    infrastructureEnv: {},
    serviceOutput: (service, line) => logs.push(`${service}: ${line}`),
    // small pages, so the watcher is killed with pages still to read
    serviceEnv: { WATCH_PAGE_SIZE: '4', WATCH_POLL_INTERVAL_MS: '200', AVAILABILITY_COALESCE_MS: '200', ODOO_RATE_LIMIT_PER_SECOND: '50' },
    readyTimeoutMs: 180_000,
  });
  odoo = createOdooClient({ url: platform.odoo.url, database: platform.odoo.database, apiKey: platform.odoo.apiKey, protocol: 'json2', timeoutMs: 30_000 });
  pool = new pg.Pool({ connectionString: platform.env.DATABASE_URL, max: 2 });
  traffic = new TrafficClient({ ...platform.env, POS_API_KEY: await ensurePosApiKey(platform, platform.credentialsDir) });
  await seedOdooProducts(platform.odoo.url);
  const serde = new EventSerde({ registryUrl: platform.env.SCHEMA_REGISTRY_URL });
  const kafka = new Kafka({ clientId: 'odoo-watcher-e2e', brokers: (platform.env.KAFKA_BROKERS ?? '').split(','), logLevel: logLevel.NOTHING });
  consumer = kafka.consumer({ groupId: `odoo-watcher-e2e-${Date.now()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: ['retail.shipments.v1', 'retail.stock-movements.v1'], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const decoded = await serde.decode(message.value!);
      seen.push({ topic, eventType: decoded.eventType, value: decoded.value as unknown as Record<string, unknown> });
    },
  });
});

afterAll(async () => {
  await consumer?.disconnect();
  await traffic?.close();
  await odoo?.close();
  await pool?.end();
  await platform?.stop();
});

it('brings receipts and a delivery validated in Odoo to the backbone exactly once across a SIGKILL of the watcher', async () => {
  // the products' initial stock, counted in Odoo by an inventory adjustment, is the starting point
  await eventually(`${RECEIVED_SKU} seeded stock in the availability API`, () => onHand(RECEIVED_SKU), (n) => n === SEEDED);
  await eventually(`${SHIPPED_SKU} seeded stock in the availability API`, () => onHand(SHIPPED_SKU), (n) => n === SEEDED);

  // a Shopify order the writer places in Odoo; its delivery is validated in Odoo, not by the WMS
  const shopifyId = (9_007_199_254_740_993n + BigInt(Date.now() % 1e9)).toString();
  const answer = await traffic.sendShopifyOrder({ orderId: shopifyId, lines: [{ sku: SHIPPED_SKU, quantity: 2 }] });
  expect(answer.status).toBe(202);
  const orderId = (answer.body as { orderId: string }).orderId;
  const saleOrder = await eventually('sale order confirmed in Odoo', () => saleOrdersByOrderId((m) => platform.odoo.records(m), [orderId]).get(orderId)?.[0], (so) => so?.state === 'sale');
  const delivery = platform.odoo.records('stock.picking').find((p) => p.sale_id === saleOrder!.id && p.picking_type_code === 'outgoing')!;

  const loc = new Map(platform.odoo.records('stock.location').map((l) => [String(l.complete_name), l.id as number]));
  const [mug] = await odoo.searchRead<{ id: number }>('product.product', [['default_code', '=', RECEIVED_SKU]], { fields: ['id'] });
  // Odoo slowed down, so the watcher is still paging when it is killed
  platform.odoo.control.setLatency(150);
  const receiptMoves: number[] = [];
  let received = 0;
  for (let i = 1; i <= 5; i += 1) {
    const moves = [1, 2, 3].map((k) => ({ name: RECEIVED_SKU, product_id: mug!.id, product_uom_qty: i * k, location_id: loc.get('Partners/Vendors')!, location_dest_id: loc.get(ODOO_STOCK)! }));
    received += moves.reduce((sum, m) => sum + m.product_uom_qty, 0);
    const [picking] = await odoo.create('stock.picking', [{ picking_type_code: 'incoming', location_id: loc.get('Partners/Vendors')!, location_dest_id: loc.get(ODOO_STOCK)!, move_ids: moves.map((m) => X2Many.create(m)) }]);
    expect(await odoo.callMethod('stock.picking', 'button_validate', [picking!])).toBe(true);
    receiptMoves.push(...platform.odoo.records('stock.move').filter((m) => m.picking_id === picking).map((m) => m.id as number));
  }
  await odoo.write('stock.picking', [delivery.id as number], { carrier_tracking_ref: 'ODOO-TRACK-1' });
  expect(await odoo.callMethod('stock.picking', 'button_validate', [delivery.id as number])).toBe(true);

  const keys = [...receiptMoves.map((id) => `stock.move:${id}:done`), `stock.picking:${delivery.id}:done`];
  const atKill = await eventually('watcher part-way through the receipts', () => watchedCount(keys), (n) => n > 0);
  const watcher = platform.supervisor.process('odoo-watcher')!;
  watcher.kill('SIGKILL');
  expect(atKill).toBeLessThan(keys.length);
  await eventually('odoo-watcher restarted by the supervisor', () => platform.supervisor.process('odoo-watcher')?.pid, (pid) => pid !== undefined && pid !== watcher.pid);
  platform.odoo.control.setLatency(0);

  await eventually('every receipt move and the delivery handled', () => watchedCount(keys), (n) => n === keys.length);
  await eventually(`${RECEIVED_SKU} on hand after the receipts`, () => onHand(RECEIVED_SKU), (n) => n === SEEDED + received);
  await eventually(`${SHIPPED_SKU} on hand after the delivery`, () => onHand(SHIPPED_SKU), (n) => n === SEEDED - 2);
  const refs = new Set(receiptMoves.map((id) => `stock.move:${id}`));
  const movements = () => seen.filter((e) => e.eventType === 'StockMovementRecorded' && refs.has(String(e.value.sourceReference)));
  const shipments = () => seen.filter((e) => e.eventType === 'ShipmentDispatched' && e.value.orderId === orderId);
  await eventually('receipt movements on retail.stock-movements.v1', () => movements().length, (n) => n >= receiptMoves.length);
  await eventually('the delivery on retail.shipments.v1', () => shipments().length, (n) => n >= 1);

  // a marker after them: a later receipt's movement on the same key, once it is seen everything before it is
  const [marker] = await odoo.create('stock.picking', [
    { picking_type_code: 'incoming', location_id: loc.get('Partners/Vendors')!, location_dest_id: loc.get(ODOO_STOCK)!, move_ids: [X2Many.create({ name: 'marker', product_id: mug!.id, product_uom_qty: 1, location_id: loc.get('Partners/Vendors')!, location_dest_id: loc.get(ODOO_STOCK)! })] },
  ]);
  await odoo.callMethod('stock.picking', 'button_validate', [marker!]);
  const markerMove = platform.odoo.records('stock.move').find((m) => m.picking_id === marker)!.id;
  await eventually('marker movement', () => seen.some((e) => e.value.sourceReference === `stock.move:${markerMove}`), Boolean);

  expect(movements()).toHaveLength(receiptMoves.length);
  expect(new Set(movements().map((e) => e.value.movementId)).size).toBe(receiptMoves.length);
  expect(movements().every((e) => e.value.source === 'odoo' && e.value.movementType === 'receipt' && e.value.locationId === ODOO_STOCK)).toBe(true);
  expect(shipments()).toHaveLength(1);
  expect(shipments()[0]!.value).toMatchObject({
    source: 'odoo',
    shipmentId: `odoo-picking-${delivery.id}`,
    erpPickingId: String(delivery.id),
    locationId: ODOO_STOCK,
    trackingNumber: 'ODOO-TRACK-1',
    lines: [{ lineId: null, sku: SHIPPED_SKU, quantity: 2 }],
  });
  expect(platform.supervisor.status().find((s) => s.name === 'odoo-watcher')).toMatchObject({ restarts: 1, lastExit: expect.objectContaining({ signal: 'SIGKILL' }) });
});
