/**
 * Shipments back out to the channels, on the whole platform: a Shopify order shipped in two WMS
 * parcels and a WooCommerce order whose delivery is validated in Odoo (odoo-watcher) each end
 * fulfilled in their simulated channel, with the customer hook notified once per shipment.
 */
import { EventSerde } from '@retail-backbone/contracts';
import { sampleEvent } from '@retail-backbone/contracts/src/testing';
import { DEMO_CATALOG, eventually, seedOdooProducts, seedShopifyOrder, seedWooOrder, startPlatform, TrafficClient, ensurePosApiKey, type RunningPlatform } from '@retail-backbone/local-platform';
import { createOdooClient, type OdooClient } from '@retail-backbone/odoo-client';
import { saleOrdersByOrderId } from '@retail-backbone/odoo-writer/src/odoo/references';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';

jest.setTimeout(300_000);

/** The "apache" project's setup file points KAFKA_BROKERS at its Apache Kafka broker. */
const ON_APACHE = Boolean(process.env.KAFKA_BROKERS_APACHE) && process.env.KAFKA_BROKERS === process.env.KAFKA_BROKERS_APACHE;

const SKU_A = DEMO_CATALOG[0]!.sku;
const SKU_B = DEMO_CATALOG[2]!.sku;

let platform: RunningPlatform;
let odoo: OdooClient;
let pool: pg.Pool;
let traffic: TrafficClient;
let producer: Producer;
let serde: EventSerde;
const logs: string[] = [];

beforeAll(async () => {
  platform = await startPlatform({
    ephemeral: true,
    infrastructureEnv: {},
    // A broker of its own; in the jest project "apache" an Apache Kafka broker of its own.
    broker: ON_APACHE ? 'apache' : 'dev',
    serviceOutput: (service, line) => logs.push(`${service}: ${line}`),
    serviceEnv: { WATCH_POLL_INTERVAL_MS: '200', ODOO_RATE_LIMIT_PER_SECOND: '50' },
    readyTimeoutMs: 180_000,
  });
  // The "apache" project must not quietly run on a dev broker of its own.
  expect(platform.devstack.broker).toBe(ON_APACHE ? 'apache' : 'dev');
  odoo = createOdooClient({ url: platform.odoo.url, database: platform.odoo.database, apiKey: platform.odoo.apiKey, protocol: 'json2', timeoutMs: 30_000 });
  pool = new pg.Pool({ connectionString: platform.env.DATABASE_URL, max: 2 });
  traffic = new TrafficClient({ ...platform.env, POS_API_KEY: await ensurePosApiKey(platform, platform.credentialsDir) });
  await seedOdooProducts(platform.odoo.url);
  serde = new EventSerde({ registryUrl: platform.env.SCHEMA_REGISTRY_URL });
  producer = new Kafka({ clientId: 'wms-e2e', brokers: (platform.env.KAFKA_BROKERS ?? '').split(','), logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await traffic?.close();
  await odoo?.close();
  await pool?.end();
  await platform?.stop();
});

/** A WMS publishes its dispatch on retail.shipments.v1, as a warehouse system would. */
async function wmsDispatch(orderId: string, shipmentId: string, lines: Array<{ sku: string; quantity: number }>, tracking: string): Promise<void> {
  const value = sampleEvent(
    'ShipmentDispatched',
    { orderId, shipmentId, source: 'wms', locationId: 'WH/Stock', lines: lines.map((l) => ({ lineId: null, ...l })), carrier: 'DHL', trackingNumber: tracking, trackingUrl: `https://track.example.com/${tracking}`, erpPickingId: null },
    { correlationId: `wms-${shipmentId}`, at: Date.now() },
  );
  await producer.send({ topic: 'retail.shipments.v1', messages: [{ key: orderId, value: await serde.encode('retail.shipments.v1', 'ShipmentDispatched', value) }] });
}

const propagated = async (orderId: string) =>
  (await pool.query<{ payload: Record<string, unknown> }>(`SELECT payload FROM shipment_propagator.outbox WHERE event_type = 'ShipmentPropagated' AND payload->>'orderId' = $1 ORDER BY id`, [orderId])).rows.map(
    (r) => r.payload,
  );

const confirmed = (orderId: string) =>
  eventually(`sale order of ${orderId} confirmed in Odoo`, () => saleOrdersByOrderId((m) => platform.odoo.records(m), [orderId]).get(orderId)?.[0], (so) => so?.state === 'sale');

it('fulfils a Shopify order shipped in two WMS parcels and a WooCommerce order validated in Odoo, each once, with one signed notification per shipment', async () => {
  const channels = platform.channels;
  const shopifyInput = { orderId: (9_007_199_254_760_000n + BigInt(Date.now() % 1e9)).toString(), lines: [{ sku: SKU_A, quantity: 3 }, { sku: SKU_B, quantity: 1 }] };
  seedShopifyOrder(channels, shopifyInput);
  const shop = await traffic.sendShopifyOrder(shopifyInput);
  expect(shop.status).toBe(202);
  const shopOrder = (shop.body as { orderId: string }).orderId;

  const wooInput = { orderId: 700_000 + (Date.now() % 100_000), lines: [{ sku: SKU_B, quantity: 2 }] };
  seedWooOrder(channels, wooInput);
  const woo = await traffic.sendWooOrder(wooInput);
  expect(woo.status).toBe(202);
  const wooOrder = (woo.body as { orderId: string }).orderId;

  // Shopify: two parcels from the WMS (odoo-writer validates the picking in Odoo as well).
  await confirmed(shopOrder);
  await wmsDispatch(shopOrder, 'WMS-OUT-1', [{ sku: SKU_A, quantity: 2 }], 'PARCEL-1');
  await wmsDispatch(shopOrder, 'WMS-OUT-2', [{ sku: SKU_A, quantity: 1 }, { sku: SKU_B, quantity: 1 }], 'PARCEL-2');

  // WooCommerce: the delivery is validated in Odoo; odoo-watcher reports it.
  const saleOrder = await confirmed(wooOrder);
  const delivery = platform.odoo.records('stock.picking').find((p) => p.sale_id === saleOrder!.id && p.picking_type_code === 'outgoing')!;
  await odoo.write('stock.picking', [delivery.id as number], { carrier_tracking_ref: 'ODOO-TRACK-9' });
  expect(await odoo.callMethod('stock.picking', 'button_validate', [delivery.id as number])).toBe(true);

  const shopifyId = String(shopifyInput.orderId);
  await eventually('Shopify order fulfilled', () => channels.shopify.fulfilledQuantities(shopifyId), (q) => Object.values(q).reduce((n, v) => n + v, 0) === 4);
  await eventually('WooCommerce order completed', () => channels.woocommerce.orders.get(wooInput.orderId)?.status, (s) => s === 'completed');
  const mine = () => channels.hook.deliveries.filter((d) => [shopOrder, wooOrder].includes(String(d.body.orderId)));
  await eventually('three customer notifications', () => mine().length, (n) => n >= 3);
  // Every propagation announced: two Shopify parcels, one WooCommerce delivery, each to the channel and the hook.
  await eventually('six ShipmentPropagated', async () => (await propagated(shopOrder)).length + (await propagated(wooOrder)).length, (n) => n >= 6);

  const order = channels.shopify.orders.get(shopifyId)!;
  expect(order.fulfillments.map((f) => f.tracking.map((t) => t.number))).toEqual([['PARCEL-1'], ['PARCEL-2']]);
  const [a, b] = order.lineItems;
  expect(channels.shopify.fulfilledQuantities(shopifyId)).toEqual({ [a!.id]: 3, [b!.id]: 1 });
  expect(channels.woocommerce.trackingItems(wooInput.orderId).map((i) => i.tracking_number)).toEqual(['ODOO-TRACK-9']);
  expect(channels.woocommerce.orders.get(wooInput.orderId)!.notes).toHaveLength(1);
  expect(mine().map((d) => d.body.shipmentId).sort()).toEqual(['WMS-OUT-1', 'WMS-OUT-2', `odoo-picking-${delivery.id}`].sort());
  expect(channels.hook.refused).toBe(0);
  const events = [...(await propagated(shopOrder)), ...(await propagated(wooOrder))];
  expect(events.filter((e) => e.outcome !== 'propagated')).toEqual([]);
  expect(events).toHaveLength(6);
});
