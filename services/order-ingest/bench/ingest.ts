/**
 * Ingest benchmark: concurrent clients post signed Shopify orders/create webhooks (the real
 * fixture with a unique order id each) to an order-ingest instance with its outbox relay running
 * in-process, then waits until every OrderPlaced is on retail.orders.v1.
 *
 *   pnpm --filter @retail-backbone/order-ingest bench [-- --orders 20000 --connections 64]
 *
 * Uses DATABASE_URL / KAFKA_BROKERS / SCHEMA_REGISTRY_URL when set, else starts the embedded
 * dev stack. Prints one table; never asserts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TOPICS } from '@retail-backbone/contracts';
import { createTestDatabase, startDevStack, uniqueName } from '@retail-backbone/devstack';
import { createKafka } from '@retail-backbone/messaging';
import autocannon from 'autocannon';
import { signBase64Hmac } from '../src/auth/signatures';
import { ids } from '../src/ids';
import { startServiceProcess } from './service-process';

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const ORDERS = arg('orders', 20_000);
const CONNECTIONS = arg('connections', 64);
const SECRET = 'bench-shopify-secret-0123456789';

async function main(): Promise<void> {
  const stack = process.env.DATABASE_URL ? undefined : await startDevStack({ persistent: false });
  if (stack) Object.assign(process.env, stack.env);
  const brokers = process.env.KAFKA_BROKERS!.split(',');
  const db = await createTestDatabase('order_ingest_bench');
  const admin = createKafka({ brokers, clientId: uniqueName('bench-admin') }).admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  const missing = TOPICS.filter((t) => !existing.has(t.name));
  if (missing.length) await admin.createTopics({ topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions })), waitForLeaders: true });
  await admin.disconnect();

  // The service runs in its own process (as in production), so the load generator and the
  // event counter below do not share its event loop.
  const service = await startServiceProcess({
    DATABASE_URL: db.url,
    KAFKA_BROKERS: brokers.join(','),
    SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL!,
    SHOPIFY_WEBHOOK_SECRET: SECRET,
    AUTO_REGISTER_SCHEMAS: 'true',
    REGION: 'bench',
    PORT: '0',
    LOG_LEVEL: 'info',
    RUN_RELAY: process.env.RUN_RELAY ?? 'true',
  });

  const shop = `${uniqueName('bench')}.myshopify.com`;
  const template = readFileSync(path.join(__dirname, '..', 'test', 'fixtures', 'shopify_orders-create.webhook.json'), 'utf8');
  const base = 900_000_000_000_000_000n;
  const requests = Array.from({ length: ORDERS }, (_, i) => {
    const id = String(base + BigInt(i));
    const body = template.replace('"id": 820982911946154508', `"id": ${id}`);
    return {
      orderId: ids.order('shopify', shop, id),
      body,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'orders/create',
        'x-shopify-shop-domain': shop,
        'x-shopify-webhook-id': `bench-${i}`,
        'x-shopify-hmac-sha256': signBase64Hmac(body, SECRET),
      },
    };
  });
  const expected = new Set(requests.map((r) => r.orderId));

  // Count events as they land on the topic.
  const seen = new Set<string>();
  let allOnTopicAt = 0;
  const consumer = createKafka({ brokers, clientId: uniqueName('bench') }).consumer({ groupId: uniqueName('bench'), maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic: 'retail.orders.v1', fromBeginning: false });
  const allSeen = new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        const key = message.key?.toString() ?? '';
        if (expected.has(key)) seen.add(key);
        if (seen.size === expected.size && !allOnTopicAt) {
          allOnTopicAt = Date.now();
          resolve();
        }
      },
    });
  });
  await new Promise((resolve) => setTimeout(resolve, 2_000));

  let next = 0;
  const cpuBefore = service.cpuSeconds();
  const started = Date.now();
  const result = await autocannon({
    url: `http://127.0.0.1:${service.port}`,
    connections: CONNECTIONS,
    amount: ORDERS,
    requests: [
      {
        method: 'POST',
        path: '/webhooks/shopify',
        setupRequest: (req) => {
          const r = requests[next++ % requests.length]!;
          return { ...req, body: r.body, headers: r.headers };
        },
      },
    ],
  });
  const httpDoneAt = Date.now();
  await Promise.race([allSeen, new Promise((resolve) => setTimeout(resolve, 120_000))]);
  const cpuAfter = service.cpuSeconds();

  const httpSeconds = (httpDoneAt - started) / 1000;
  const rows = [
    ['orders posted', String(ORDERS)],
    ['connections', String(CONNECTIONS)],
    ['2xx responses', String(result['2xx'])],
    ['non-2xx / errors', `${result.non2xx} / ${result.errors}`],
    ['HTTP orders/s', (result['2xx'] / httpSeconds).toFixed(0)],
    ['latency p50 (ms)', String(result.latency.p50)],
    ['latency p99 (ms)', String(result.latency.p99)],
    ['latency max (ms)', String(result.latency.max)],
    ['events on topic', `${seen.size} / ${expected.size}`],
    ['end to end: all events on topic after (s)', allOnTopicAt ? ((allOnTopicAt - started) / 1000).toFixed(2) : 'not within 120 s'],
    ['end to end orders/s', allOnTopicAt ? (seen.size / ((allOnTopicAt - started) / 1000)).toFixed(0) : '-'],
    // Includes the in-process relay; the figure that decides how many orders/s two cores can take.
    ['service CPU per order (ms)', cpuBefore !== undefined && cpuAfter !== undefined ? ((1000 * (cpuAfter - cpuBefore)) / ORDERS).toFixed(2) : '-'],
  ];
  const width = Math.max(...rows.map(([k]) => k!.length));
  process.stdout.write(`\norder-ingest benchmark\n${rows.map(([k, v]) => `${k!.padEnd(width)}  ${v}`).join('\n')}\n`);

  await consumer.disconnect();
  await service.stop();
  await db.drop();
  await stack?.stop();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
