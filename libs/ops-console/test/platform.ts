/** One running platform with a demo order and a dead letter of that order, shared by this package's platform tests. */
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { DEMO_CATALOG, ensurePosApiKey, eventually, ONLINE_LOCATION, REPO_ROOT, seedOdooProducts, startPlatform, TrafficClient, type RunningPlatform } from '@retail-backbone/local-platform';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';

export interface DemoPlatform {
  platform: RunningPlatform;
  pool: pg.Pool;
  /** The Shopify order: backbone id, Shopify id and its `name` (#nnnnn). */
  order: { orderId: string; shopifyId: string; name: string; odooName: string };
  /** A message on retail.orders.v1 keyed by the order that no consumer can decode. */
  poisonKey: string;
  stop(): Promise<void>;
}

/** Accepts and drops OTLP exports, so services record trace context in their outbox rows. */
async function startTraceSink(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

export async function startDemoPlatform(): Promise<DemoPlatform> {
  const sink = await startTraceSink();
  const platform = await startPlatform({
    ephemeral: true,
    infrastructureEnv: {},
    serviceOutput: () => undefined,
    serviceEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_BSP_SCHEDULE_DELAY: '200' },
    readyTimeoutMs: 180_000,
  });
  const pool = new pg.Pool({ connectionString: platform.env.DATABASE_URL, max: 2 });
  let client: TrafficClient | undefined;
  try {
    client = new TrafficClient({ ...platform.env, POS_API_KEY: await ensurePosApiKey(platform, platform.credentialsDir) });
    await seedOdooProducts(platform.odoo.url);
    const sku = DEMO_CATALOG[0]!.sku;
    await client.publishStockSnapshot({ sku, locationId: ONLINE_LOCATION, quantity: 100 });
    const shopifyId = (821_796_287_100_000_000n + BigInt(Math.floor(Math.random() * 1e9))).toString();
    const answer = await client.sendShopifyOrder({ orderId: shopifyId, lines: [{ sku, quantity: 2 }] });
    if (answer.status !== 202) throw new Error(`shopify order: ${answer.status} ${JSON.stringify(answer.body)}`);
    const orderId = (answer.body as { orderId: string }).orderId;
    const name = `#${BigInt(shopifyId) % 100_000n}`;
    const synced = await eventually(
      'order synced to Odoo',
      async () => (await pool.query<{ odoo_order_name: string | null; status: string }>(`SELECT status, odoo_order_name FROM odoo_writer.orders WHERE order_id = $1`, [orderId])).rows[0],
      (row) => row?.status === 'synced',
    );

    // Not Avro: both consumers of retail.orders.v1 dead-letter it under the order's key.
    const kafka = new Kafka({ clientId: 'ops-console-test', brokers: platform.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'retail.orders.v1', messages: [{ key: orderId, value: Buffer.from('not an avro message') }] });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await eventually(
      'poison message in the odoo-writer DLQ',
      async () => {
        const topics = await admin.listTopics();
        if (!topics.includes('retail.orders.v1.dlq.odoo-writer')) return 0;
        return (await admin.fetchTopicOffsets('retail.orders.v1.dlq.odoo-writer')).reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
      },
      (n) => n >= 1,
    );
    await admin.disconnect();
    return {
      platform,
      pool,
      order: { orderId, shopifyId, name, odooName: synced!.odoo_order_name! },
      poisonKey: orderId,
      stop: async () => {
        await pool.end();
        await platform.stop();
        await sink.stop();
      },
    };
  } catch (error) {
    await pool.end();
    await platform.stop();
    await sink.stop();
    throw error;
  } finally {
    await client?.close();
  }
}

/** Runs `pnpm where` as a user would (the root script's command line), with the platform's settings. */
export function runWhere(env: Record<string, string>, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'libs/ops-console/src/cli/where.ts'), ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
