import { postgresConnection } from '@retail-backbone/connections';
import { EventSerde as AvroSerde } from '@retail-backbone/contracts';
import { ConsumerRunner, createKafka, EffectExecutor, EffectStore, odooAmbiguityWindowMs, OutboxRelay, type EventSerde } from '@retail-backbone/messaging';
import { createHttpApp, createLogger, createMetricsRegistry, listen, type Logger, type Registry } from '@retail-backbone/observability';
import { createOdooClient, type OdooClient } from '@retail-backbone/odoo-client';
import type { ConsumerConfig, Kafka } from 'kafkajs';
import pg from 'pg';
import type { OdooWriterConfig } from './config';
import { migrateOdooWriter } from './db/migrate';
import { WriterStore } from './db/store';
import { OdooGateway, odooCircuit } from './odoo/gateway';
import { followUpEffect } from './sync/follow-up-effect';
import { FollowUps } from './sync/follow-ups';
import { OrderIntents } from './sync/intents';
import { OrderPlacer, type AfterOdooWrite } from './sync/orders';
import { ParkedEffects } from './sync/parked-retrier';
import { PartnerResolver } from './sync/partners';
import { placementEffect } from './sync/placement-effect';
import { ProductResolver } from './sync/products';

export interface OdooWriterDeps {
  logger?: Logger;
  registry?: Registry;
  serde?: EventSerde;
  kafka?: Kafka;
  consumerConfig?: Partial<ConsumerConfig>;
  /** Test seam, see AfterOdooWrite. */
  afterOdooWrite?: AfterOdooWrite;
  retryInitialDelayMs?: number;
  retryMaxDelayMs?: number;
}

export interface OdooWriter {
  readonly port: number | undefined;
  readonly gateway: OdooGateway;
  readonly retrier: ParkedEffects;
  readonly executor: EffectExecutor;
  readonly store: WriterStore;
  readonly pool: pg.Pool;
  readonly runner: ConsumerRunner;
  stop(): Promise<void>;
}

/** The domain objects without Kafka: what the service and the retry CLI share. */
export function buildCore(
  config: OdooWriterConfig,
  pool: pg.Pool,
  logger: Logger,
  registry: Registry,
  afterOdooWrite?: AfterOdooWrite,
  { retryInitialDelayMs, retryMaxDelayMs }: { retryInitialDelayMs?: number; retryMaxDelayMs?: number } = {},
) {
  const client: OdooClient = createOdooClient({ ...config.odoo, maxSockets: config.concurrency + 1, userAgent: `retail-backbone-${config.serviceName}` });
  const circuit = odooCircuit(config.breakerThreshold, config.breakerHalfOpenMs);
  const gateway = new OdooGateway(client, { ratePerSecond: config.rateLimitPerSecond, concurrency: config.concurrency, circuit, logger, registry });
  const store = new WriterStore(config.schema);
  const effects = new EffectStore(config.schema);
  const products = new ProductResolver(gateway, config.productCacheTtlMs, registry);
  const partners = new PartnerResolver(gateway, store, pool);
  const placer = new OrderPlacer(gateway, products, partners, { registry, afterOdooWrite });
  // Several batches at once, so one stalled in Odoo leaves the other orders going; an attempt is
  // bounded well above one call's timeout (a batch makes about six calls).
  const limits = {
    concurrency: config.concurrency,
    timeoutMs: Math.max(60_000, config.odoo.timeoutMs * 8),
    ambiguityWindowMs: odooAmbiguityWindowMs(config.odoo.limitTimeRealMs),
    breaker: { policy: circuit, halfOpenAfterMs: config.breakerHalfOpenMs },
  };
  const executor = new EffectExecutor({
    pool,
    schema: config.schema,
    service: config.serviceName,
    region: config.region,
    logger,
    registry,
    definitions: [
      // One placement batch at a time while it runs normally (the next one fills meanwhile, as
      // the batches of calls are what the rate limit spends); a batch running longer than 2 s
      // (stalled) lets another start.
      placementEffect(placer, store, { ...limits, batchSize: config.batchMax, overlapAfterMs: 2_000 }),
      followUpEffect(new FollowUps(gateway, placer, products, store, pool), store, limits),
    ],
    pollIntervalMs: Math.max(10, config.batchWindowMs),
    retryInitialDelayMs,
    retryMaxDelayMs,
  });
  const intents = new OrderIntents(store, effects, registry);
  const retrier = new ParkedEffects(pool, effects);
  return {
    client,
    gateway,
    store,
    effects,
    executor,
    intents,
    retrier,
    close: async () => {
      await executor.stop();
      await gateway.stop();
      await client.close();
    },
  };
}

/**
 * Starts the writer: migrations, the consumer of orders and shipments, the parked retrier, the
 * outbox relay and the HTTP endpoints. Consumption pauses while the Odoo circuit is open.
 */
export async function startOdooWriter(config: OdooWriterConfig, deps: OdooWriterDeps = {}): Promise<OdooWriter> {
  const logger = deps.logger ?? createLogger({ service: config.serviceName, level: config.logLevel, defaultMeta: { region: config.region } });
  const registry = deps.registry ?? createMetricsRegistry({ service: config.serviceName });
  await migrateOdooWriter(config.databaseUrl, config.schema);
  // One short transaction per partition consumed at once, plus the executor's claims, lease
  // renewals, completions and partner locks (no connection is held during an Odoo call but those).
  const pool = new pg.Pool({ ...postgresConnection(config.databaseUrl), max: config.partitionConcurrency * 2 + 6 });
  const core = buildCore(config, pool, logger, registry, deps.afterOdooWrite, deps);
  const kafka = deps.kafka ?? createKafka({ brokers: config.kafkaBrokers, clientId: config.serviceName, logger });
  const serde = deps.serde ?? new AvroSerde({ registryUrl: config.schemaRegistryUrl });
  const topics = [config.ordersTopic, config.shipmentsTopic];

  const runner = new ConsumerRunner({
    kafka,
    pool,
    schema: config.schema,
    groupId: config.groupId,
    topics,
    serde,
    service: config.serviceName,
    region: config.region,
    logger,
    registry,
    // A consumer transaction only records intents (see OrderIntents); Odoo is called by the
    // effect executor after COMMIT, with no transaction open.
    transactionBatchSize: config.batchMax,
    partitionsConsumedConcurrently: config.partitionConcurrency,
    retryInitialDelayMs: deps.retryInitialDelayMs,
    retryMaxDelayMs: deps.retryMaxDelayMs,
    consumerConfig: deps.consumerConfig,
    handler: core.intents.handler,
  });
  core.gateway.onCircuitChange((state) => {
    const partitions = topics.map((topic) => ({ topic }));
    try {
      if (state === 'open') runner.kafkaConsumer.pause(partitions);
      else runner.kafkaConsumer.resume(partitions);
      logger.warn(state === 'open' ? 'consumption paused: Odoo unavailable' : 'consumption resumed', { topics });
    } catch (error) {
      logger.error('could not pause or resume consumption', { error });
    }
  });

  const relay = config.relay
    ? new OutboxRelay({ pool, schema: config.schema, kafka, serde, producerName: config.serviceName, logger, registry })
    : undefined;
  await relay?.start();
  await runner.start();
  core.executor.start();

  let http: Awaited<ReturnType<typeof listen>> | undefined;
  if (config.port !== undefined) {
    const app = createHttpApp({
      service: config.serviceName,
      logger,
      registry,
      readiness: [
        { name: 'database', check: async () => void (await pool.query('SELECT 1')) },
        {
          name: 'odoo',
          check: () => {
            if (core.gateway.isOpen) throw new Error('circuit open: Odoo unavailable, consumption paused');
          },
        },
      ],
    });
    http = await listen(app, config.port);
  }
  logger.info('odoo-writer started', { topics, group: config.groupId, protocol: config.odoo.protocol, rate_limit_per_second: config.rateLimitPerSecond });

  let stopping: Promise<void> | undefined;
  return {
    port: http?.port,
    gateway: core.gateway,
    retrier: core.retrier,
    executor: core.executor,
    store: core.store,
    pool,
    runner,
    stop: () =>
      (stopping ??= (async () => {
        await http?.close();
        await core.executor.stop();
        await runner.stop();
        await relay?.stop();
        await core.close();
        await pool.end();
      })()),
  };
}
