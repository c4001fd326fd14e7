/**
 * Loyalty on the whole platform, through order-ingest: one customer buys online (Shopify) and in
 * store (POS, with the loyalty member id at the till), returns an item in store and pays part of a
 * second store purchase with points, across a SIGKILL of loyalty-sync while the platform applies
 * the online accrual and a platform outage. The member's balance equals a calculation made here
 * from the canonical order events; no movement is applied twice. Runs on both brokers.
 */
import { EventSerde } from '@retail-backbone/contracts';
import { DEMO_CATALOG, DEMO_SHOP_DOMAIN, eventually, shopifyCustomerId, startPlatform, TrafficClient, ensurePosApiKey, type RunningPlatform } from '@retail-backbone/local-platform';
import { Kafka, logLevel, type Consumer } from 'kafkajs';

jest.setTimeout(300_000);

const OUTAGE_MS = 20_000;
/** The "apache" project's setup file points KAFKA_BROKERS at its Apache Kafka broker. */
const ON_APACHE = Boolean(process.env.KAFKA_BROKERS_APACHE) && process.env.KAFKA_BROKERS === process.env.KAFKA_BROKERS_APACHE;

let platform: RunningPlatform;
let traffic: TrafficClient;
let consumer: Consumer;
const orders = new Map<string, Record<string, unknown>>();
const logs: string[] = [];

type Money = { amount: string };
type Line = { lineId: string; quantity: number; unitPrice: Money; discount: Money; tax: Money };
const cents = (m: Money) => Math.round(Number(m.amount) * 100);

/** What a line earns on, in cents: paid price without tax (the platform's rules: 1 point per EUR, rounded down). */
function lineBasis(order: Record<string, unknown>, line: Line): number {
  return cents(line.unitPrice) * line.quantity - cents(line.discount) - (order.taxesIncluded ? cents(line.tax) : 0);
}
const orderBasis = (order: Record<string, unknown>) => (order.lines as Line[]).reduce((s, l) => s + lineBasis(order, l), 0);
const points = (order: Record<string, unknown>) => Math.floor(orderBasis(order) / 100);

beforeAll(async () => {
  platform = await startPlatform({
    ephemeral: true,
    infrastructureEnv: {},
    // A broker of its own; in the jest project "apache" an Apache Kafka broker of its own.
    broker: ON_APACHE ? 'apache' : 'dev',
    serviceOutput: (service, line) => logs.push(`${service}: ${line}`),
    // after the SIGKILL, the maybe-applied call is looked up this soon (the simulator answers at once)
    serviceEnv: { LOYALTY_AMBIGUITY_WINDOW_MS: '3000' },
    readyTimeoutMs: 180_000,
  });
  traffic = new TrafficClient({ ...platform.env, POS_API_KEY: await ensurePosApiKey(platform, platform.credentialsDir) });
  const serde = new EventSerde({ registryUrl: platform.env.SCHEMA_REGISTRY_URL });
  const kafka = new Kafka({ clientId: 'loyalty-e2e', brokers: (platform.env.KAFKA_BROKERS ?? '').split(','), logLevel: logLevel.NOTHING });
  consumer = kafka.consumer({ groupId: `loyalty-e2e-${Date.now()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: ['retail.orders.v1'], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const decoded = await serde.decode(message.value!);
      if (decoded.eventType === 'OrderPlaced') {
        const value = decoded.value as unknown as Record<string, unknown>;
        orders.set(value.orderId as string, value);
      }
    },
  });
});

afterAll(async () => {
  await consumer?.disconnect();
  await traffic?.close();
  await platform?.stop();
});

it('runs on the broker of its jest project', () => {
  expect(platform.devstack.broker).toBe(ON_APACHE ? 'apache' : 'dev');
});

it('ends with the balance of the order history across a SIGKILL mid-call and a platform outage, each movement once', async () => {
  const loyalty = platform.loyalty;
  const memberId = `LM-E2E-${Date.now()}`;
  const shopifyId = (9_007_199_254_740_993n + BigInt(Date.now() % 1e9)).toString();
  loyalty.control.enroll({ memberId, refs: [`shopify:${DEMO_SHOP_DOMAIN}:${shopifyCustomerId(shopifyId)}`] });
  const [a, b, c] = [DEMO_CATALOG[0]!.sku, DEMO_CATALOG[1]!.sku, DEMO_CATALOG[2]!.sku];

  // Online: the platform holds the accrual call; loyalty-sync is SIGKILLed while it waits, and
  // the platform applies it after the caller died.
  loyalty.control.injectFault({ kind: 'delay', delayMs: 3_000 });
  expect((await traffic.sendShopifyOrder({ orderId: shopifyId, lines: [{ sku: a, quantity: 2 }] })).status).toBe(202);
  await eventually('the online accrual call in flight', () => loyalty.stats().faultsFired, (n) => n === 1, { timeoutMs: 60_000, intervalMs: 20 });
  platform.supervisor.process('loyalty-sync')!.kill('SIGKILL');

  // The platform goes away; the customer buys in store, returns one unit, pays with points.
  await loyalty.control.setOutage('refused', { durationMs: OUTAGE_MS });
  const run = Date.now();
  const sale = { saleId: `loyalty-e2e-${run}-1`, lines: [{ sku: b, quantity: 2 }, { sku: c, quantity: 1 }], customer: { loyaltyMemberId: memberId } };
  expect((await traffic.sendPosSale(sale)).status).toBe(202);
  expect((await traffic.sendPosReturn({ returnId: `loyalty-e2e-${run}-r`, saleId: sale.saleId, lines: [{ sku: b, quantity: 1 }] })).status).toBe(202);
  const paid = { saleId: `loyalty-e2e-${run}-2`, lines: [{ sku: c, quantity: 1 }], customer: { loyaltyMemberId: memberId }, pointsPaid: '0.50' };
  expect((await traffic.sendPosSale(paid)).status).toBe(202);

  // Independent calculation from the canonical OrderPlaced events.
  const online = await eventually('online OrderPlaced', () => [...orders.values()].find((o) => o.channelOrderId === shopifyId), (o) => o !== undefined, { timeoutMs: 30_000 });
  const store = await eventually('store OrderPlaced', () => [...orders.values()].find((o) => o.channelOrderId === sale.saleId), (o) => o !== undefined, { timeoutMs: 30_000 });
  const second = await eventually('second store OrderPlaced', () => [...orders.values()].find((o) => o.channelOrderId === paid.saleId), (o) => o !== undefined, { timeoutMs: 30_000 });
  const returnedLine = (store!.lines as Line[]).find((l) => (l as unknown as { sku: string }).sku === b)!;
  const storePoints = points(store!);
  const reversed = Math.round((storePoints * (lineBasis(store!, returnedLine) / returnedLine.quantity)) / orderBasis(store!));
  const expected = points(online!) + storePoints - reversed + points(second!) - 50;

  await eventually('the balance of the order history', () => loyalty.balance(memberId), (n) => n === expected, { timeoutMs: 120_000, intervalMs: 500 });
  const txs = loyalty.transactions(memberId);
  expect(txs.map((t) => `${t.type}:${t.points}`).sort()).toEqual([`earn:${points(online!)}`, `earn:${storePoints}`, `reverse:${reversed}`, `earn:${points(second!)}`, 'redeem:50'].sort());
  expect(new Set(txs.map((t) => t.idempotencyKey)).size).toBe(5);
  expect(platform.status().find((s) => s.name === 'loyalty-sync')!.restarts).toBeGreaterThanOrEqual(1);
});
