import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@retail-backbone/devstack';
import { createMetricsRegistry } from '@retail-backbone/observability';
import pg from 'pg';
import { configFromEnv } from '../src/config';
import { migrate } from '../src/store/migrate';
import { RetentionPruner } from '../src/store/retention';
import { quietLogger } from './helpers';

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase('order_ingest');
  await migrate(db.url, 'order_ingest');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

/** One row per table, `ageDays` old. */
async function seed(ageDays: number): Promise<void> {
  const at = new Date(Date.now() - ageDays * 86_400_000);
  const id = randomUUID();
  await pool.query(`INSERT INTO order_ingest.ingest_requests (scope, request_key, payload_hash, status_code, response, created_at) VALUES ('s', $1, '\\x00', 202, '{}', $2)`, [id, at]);
  await pool.query(
    `INSERT INTO order_ingest.rejections (rejection_id, channel, channel_id, endpoint, http_status, reason_code, errors, payload, correlation_id, received_at)
     VALUES ($1, 'shopify', 'x', 'e', 422, 'r', '[]', '\\x00', 'c', $2)`,
    [id, at],
  );
  await pool.query(
    `INSERT INTO order_ingest.channel_facts (channel, channel_id, kind, external_id, order_id, event_type, event_id, fact_hash, correlation_id, accepted_at)
     VALUES ('shopify', 'x', 'order', $1, $2, 'OrderPlaced', $1, '\\x00', 'c', $3)`,
    [id, id, at],
  );
  await pool.query(
    `INSERT INTO order_ingest.fact_conflicts (channel, channel_id, kind, external_id, order_id, original_hash, conflicting_hash, body, correlation_id, received_at)
     VALUES ('shopify', 'x', 'order', $1, $2, '\\x00', '\\x01', '{}', 'c', $3)`,
    [id, id, at],
  );
}

async function counts(): Promise<number[]> {
  const out: number[] = [];
  for (const table of ['ingest_requests', 'rejections', 'channel_facts', 'fact_conflicts']) {
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM order_ingest.${table}`);
    out.push(Number(rows[0]!.n));
  }
  return out;
}

describe('retention', () => {
  it('deletes rows past each table’s age in bounded batches, keeps younger ones and counts what it pruned', async () => {
    for (let i = 0; i < 5; i++) await seed(45);
    await seed(10);
    await seed(200);
    const registry = createMetricsRegistry({ service: 'retention-test' });
    const pruner = new RetentionPruner({
      pool,
      schema: 'order_ingest',
      days: { ingest_requests: 30, rejections: 30, channel_facts: 0, fact_conflicts: 100 },
      intervalMs: 60_000,
      logger: quietLogger(),
      registry,
      batchSize: 2,
    });
    // ingest_requests and rejections: 45 and 200 days old go (6 each); channel_facts kept forever; conflicts: only the 200-day one.
    expect(await pruner.runOnce()).toEqual({ ingest_requests: 6, rejections: 6, channel_facts: 0, fact_conflicts: 1 });
    expect(await counts()).toEqual([1, 1, 7, 6]);
    const metric = await registry.getSingleMetric('order_ingest_retention_pruned_total')!.get();
    expect(Object.fromEntries(metric.values.map((v) => [v.labels.table, v.value]))).toEqual({ ingest_requests: 6, rejections: 6, fact_conflicts: 1 });
    expect(await pruner.runOnce()).toEqual({ ingest_requests: 0, rejections: 0, channel_facts: 0, fact_conflicts: 0 });
  });

  it('reads the ages per table from the environment', () => {
    const config = configFromEnv({ DATABASE_URL: 'postgres://h/db', KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081', RETENTION_FACTS_DAYS: '0', RETENTION_INTERVAL_MINUTES: '5' });
    expect(config.retention).toEqual({ days: { ingest_requests: 30, rejections: 30, channel_facts: 0, fact_conflicts: 90 }, intervalMs: 300_000 });
  });
});
