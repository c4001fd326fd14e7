/**
 * The service kit at service level: a consumer whose fetch loop died turns readiness false within
 * 30 s; a service whose database backends are all terminated (and refused for a while) keeps
 * running, reports not ready, and recovers every kind of connection it holds: pool clients (a
 * transaction in flight included), its LISTEN connection, the relay's and the runner's own.
 */
import { createTestDatabase, databaseUrl, uniqueName, type TestDatabase } from '@retail-backbone/devstack';
import { logLevel } from 'kafkajs';
import pg from 'pg';
import { startBroker, type RunningBroker } from '../../dev-kafka/src';
import { createKafka } from '../src/kafka';
import { recordEvent } from '../src/outbox/record';
import { sessionSettings, startService, type RunningService } from '../src/service';
import { avroSerde, capturingLogger, catalogEvent, createTopics, FAST_CONSUMER, inTx, registry, testKafka, testTopic, waitFor } from './helpers';

const ORDERS = 'retail.orders.v1';
const SCHEMA = 'kit_svc';

interface Readiness {
  status: number;
  checks: Record<string, string>;
}

async function readiness(service: RunningService): Promise<Readiness> {
  const res = await fetch(`http://127.0.0.1:${service.port}/health/ready`, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as { checks: Record<string, string> };
  return { status: res.status, checks: body.checks };
}

describe('service kit', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it('a consumer whose fetch loop died reports not ready within 30 s, with the database still ok', async () => {
    let broker: RunningBroker | undefined = await startBroker({ logLevel: 'silent' });
    cleanups.push(async () => broker?.stop());
    const db = await createTestDatabase('kit_fetch_loop');
    cleanups.push(() => db.drop());
    const kafka = createKafka({ brokers: [broker.bootstrap], clientId: uniqueName('kit'), config: { logLevel: logLevel.NOTHING } });
    const topic = testTopic(ORDERS);
    await createTopics(kafka, [topic], 1);
    const group = uniqueName('kit-group');
    const service = await startService({
      name: 'kit-fetch-loop',
      region: 'test',
      logger: capturingLogger().logger,
      registry: registry(),
      database: { url: db.url, schema: SCHEMA },
      kafka: { brokers: [broker.bootstrap], schemaRegistryUrl: String(process.env.SCHEMA_REGISTRY_URL), client: kafka, serde: avroSerde() },
      relay: false,
      consumers: () => [{ groupId: group, topics: [topic], handler: async () => undefined, consumerConfig: FAST_CONSUMER }],
      http: { port: 0, host: '127.0.0.1' },
    });
    cleanups.push(() => service.stop());
    await waitFor(async () => (await readiness(service)).status === 200, 30_000);

    const { port } = broker;
    await broker.stop();
    broker = undefined;
    const notReady = await waitFor(async () => {
      const state = await readiness(service);
      return state.status === 503 ? state : undefined;
    }, 30_000, 200);
    expect(notReady.checks[`consumer ${group}`]).not.toBe('ok');
    expect(notReady.checks.database).toBe('ok');
    // A broker on the same address again, so that the consumer can leave its group and stop.
    broker = await startBroker({ logLevel: 'silent', port });
  }, 120_000);

  it("gives every consumer the service's session timeout with a heartbeat inside it; a declaration's own consumerConfig wins", async () => {
    const broker = await startBroker({ logLevel: 'silent' });
    cleanups.push(() => broker.stop());
    const db = await createTestDatabase('kit_session');
    cleanups.push(() => db.drop());
    const kafka = createKafka({ brokers: [broker.bootstrap], clientId: uniqueName('kit'), config: { logLevel: logLevel.NOTHING } });
    const topic = testTopic(ORDERS);
    await createTopics(kafka, [topic], 1);
    const made: Array<Record<string, unknown>> = [];
    const consumer = kafka.consumer.bind(kafka);
    kafka.consumer = (config) => {
      made.push({ ...config });
      return consumer(config);
    };
    const service = await startService({
      name: 'kit-session',
      region: 'test',
      logger: capturingLogger().logger,
      registry: registry(),
      database: { url: db.url, schema: SCHEMA },
      kafka: { brokers: [broker.bootstrap], schemaRegistryUrl: String(process.env.SCHEMA_REGISTRY_URL), client: kafka, serde: avroSerde(), consumerSessionTimeoutMs: 10_000 },
      relay: false,
      consumers: () => [
        { groupId: uniqueName('kit-default'), topics: [topic], handler: async () => undefined, consumerConfig: { maxWaitTimeInMs: 100 } },
        { groupId: uniqueName('kit-own'), topics: [topic], handler: async () => undefined, consumerConfig: FAST_CONSUMER },
      ],
    });
    cleanups.push(() => service.stop());
    expect(made).toEqual([
      expect.objectContaining({ sessionTimeout: 10_000, heartbeatInterval: 3_000, maxWaitTimeInMs: 100 }),
      expect.objectContaining({ sessionTimeout: FAST_CONSUMER.sessionTimeout, heartbeatInterval: FAST_CONSUMER.heartbeatInterval }),
    ]);
  }, 60_000);

  it('a session timeout shorter than three heartbeats gets a heartbeat of a third of it; none set leaves kafkajs defaults', () => {
    expect(sessionSettings(6_000)).toEqual({ sessionTimeout: 6_000, heartbeatInterval: 2_000 });
    expect(sessionSettings(45_000)).toEqual({ sessionTimeout: 45_000, heartbeatInterval: 3_000 });
    expect(sessionSettings(undefined)).toEqual({});
  });

  describe('database backends terminated', () => {
    let db: TestDatabase;
    let dbName: string;
    let admin: pg.Client;

    beforeEach(async () => {
      db = await createTestDatabase('kit_terminate');
      dbName = decodeURIComponent(new URL(db.url).pathname.slice(1));
      admin = new pg.Client({ connectionString: databaseUrl(db.url, 'postgres') });
      await admin.connect();
    });

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
      await admin.query(`ALTER DATABASE ${admin.escapeIdentifier(dbName)} WITH ALLOW_CONNECTIONS true`).catch(() => undefined);
      await admin.end();
      await db.drop();
    });

    /** Refuses new connections to the service database and terminates every backend it has. */
    async function cutOff(): Promise<number> {
      await admin.query(`ALTER DATABASE ${admin.escapeIdentifier(dbName)} WITH ALLOW_CONNECTIONS false`);
      const result = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName]);
      return result.rowCount ?? 0;
    }

    async function reconnectAllowed(): Promise<void> {
      await admin.query(`ALTER DATABASE ${admin.escapeIdentifier(dbName)} WITH ALLOW_CONNECTIONS true`);
    }

    it('keeps running: readiness false while cut off, then true; LISTEN, relay, runner and a transaction in flight recover', async () => {
      const kafka = testKafka();
      const topic = testTopic(ORDERS);
      await createTopics(kafka, [topic], 1);
      const group = uniqueName('kit-group');
      const { logger, lines } = capturingLogger();
      const notified: string[] = [];
      let holdNext: ((tx: pg.PoolClient) => Promise<void>) | undefined;
      let listening = false;
      const service = await startService({
        name: 'kit-terminate',
        region: 'test',
        logger,
        registry: registry(),
        database: { url: db.url, schema: SCHEMA, poolSize: 6 },
        kafka: { brokers: [], schemaRegistryUrl: String(process.env.SCHEMA_REGISTRY_URL), client: kafka, serde: avroSerde() },
        relay: { pollIntervalMs: 200 },
        consumers: ({ schema }) => [
          {
            groupId: group,
            topics: [topic],
            consumerConfig: FAST_CONSUMER,
            retryMaxDelayMs: 500,
            handler: async ({ event, tx }) => {
              const hold = holdNext;
              holdNext = undefined;
              await hold?.(tx);
              await tx.query(`INSERT INTO ${schema}.seen (event_id) VALUES ($1) ON CONFLICT DO NOTHING`, [event.envelope.eventId]);
            },
          },
        ],
        components: (ctx) => {
          ctx.listen({ channels: ['kit_test'], onNotification: (_c, payload) => notified.push(String(payload)), onState: (on) => (listening = on) });
          return [{ name: 'seen-table', start: async () => void (await ctx.pool.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.seen (event_id uuid PRIMARY KEY)`)) }];
        },
        http: { port: 0, host: '127.0.0.1' },
      });
      cleanups.push(() => service.stop());
      await waitFor(async () => (await readiness(service)).status === 200 && listening, 30_000);

      const seen = async (eventId: string) => (await service.pool.query(`SELECT 1 FROM ${SCHEMA}.seen WHERE event_id = $1`, [eventId]).catch(() => ({ rowCount: 0 }))).rowCount === 1;
      const publish = async () => {
        const event = catalogEvent('OrderPlaced', topic, { orderId: uniqueName('order') }, uniqueName('corr'));
        await inTx(service.pool, (tx) => recordEvent(tx, event, { schema: SCHEMA }));
        return (event.value as { envelope: { eventId: string } }).envelope.eventId;
      };

      // A handler holding its transaction (a checked-out client) while every backend is terminated.
      let held!: () => void;
      const holding = new Promise<void>((resolve) => (held = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      holdNext = async (tx) => {
        await tx.query('SELECT 1');
        held();
        await released;
      };
      const first = await publish();
      await holding;

      expect(await cutOff()).toBeGreaterThan(0);
      release();
      const down = await waitFor(async () => {
        const state = await readiness(service);
        return state.status === 503 && !listening ? state : undefined;
      }, 30_000, 200);
      expect(down.checks.database).not.toBe('ok');

      await reconnectAllowed();
      await waitFor(async () => (await readiness(service)).status === 200 && listening, 60_000, 200);
      // The transaction in flight was rolled back and applied again on a new connection.
      await waitFor(() => seen(first), 60_000);
      // The relay and the runner work on: a new event goes through the outbox to the consumer.
      const second = await publish();
      await waitFor(() => seen(second), 60_000);
      // The LISTEN connection is back on its channel.
      await service.pool.query(`NOTIFY kit_test, 'after'`);
      await waitFor(async () => notified.includes('after'), 20_000);
      expect(lines().some((line) => line.message === 'LISTEN connection lost; reconnecting')).toBe(true);
    }, 180_000);
  });
});
