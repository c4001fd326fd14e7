import { postgresConnection } from '@retail-backbone/connections';
import { EventSerde as AvroSerde } from '@retail-backbone/contracts';
import { ConsumerRunner, createKafka, OutboxRelay, type EventSerde } from '@retail-backbone/messaging';
import { createHttpApp, createLogger, createMetricsRegistry, listen, type Logger, type Registry } from '@retail-backbone/observability';
import { createOdooClient, type OdooClient } from '@retail-backbone/odoo-client';
import type { ConsumerConfig, Kafka } from 'kafkajs';
import pg from 'pg';
import type { OdooWriterConfig } from './config';
import { migrateOdooWriter } from './db/migrate';
import { WriterStore } from './db/store';
import { OdooGateway } from './odoo/gateway';
import { EventApplier } from './sync/applier';
import { FollowUps } from './sync/follow-ups';
import { OrderPlacer, type AfterOdooWrite } from './sync/orders';
import { ParkedRetrier } from './sync/parked-retrier';
import { PartnerResolver } from './sync/partners';
import { ProductResolver } from './sync/products';
import { TransactionPlacements } from './sync/transaction-placements';

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
  readonly retrier: ParkedRetrier;
  readonly store: WriterStore;
  readonly pool: pg.Pool;
  readonly runner: ConsumerRunner;
  stop(): Promise<void>;
}

/** The domain objects without Kafka: what the service and the retry CLI share. */
export function buildCore(config: OdooWriterConfig, pool: pg.Pool, logger: Logger, registry: Registry, afterOdooWrite?: AfterOdooWrite) {
  const client: OdooClient = createOdooClient({ ...config.odoo, maxSockets: config.concurrency + 1, userAgent: `retail-backbone-${config.serviceName}` });
  const gateway = new OdooGateway(client, {
    ratePerSecond: config.rateLimitPerSecond,
    concurrency: config.concurrency,
    breakerThreshold: config.breakerThreshold,
    halfOpenAfterMs: config.breakerHalfOpenMs,
    logger,
    registry,
  });
  const store = new WriterStore(config.schema);
  const products = new ProductResolver(gateway, config.productCacheTtlMs, registry);
  const partners = new PartnerResolver(gateway, store, pool);
  const placer = new OrderPlacer(gateway, products, partners, store, pool, {
    windowMs: config.batchWindowMs,
    maxBatch: config.batchMax,
    registry,
    afterOdooWrite,
  });
  const applier = new EventApplier(store, placer, new FollowUps(gateway, placer, products, store), registry);
  const retrier = new ParkedRetrier({
    pool,
    store,
    applier,
    logger,
    service: config.serviceName,
    region: config.region,
    intervalMs: config.parkedRetryIntervalMs,
    odooDown: () => gateway.isOpen,
  });
  return {
    client,
    gateway,
    store,
    applier,
    retrier,
    close: async () => {
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
  // Each partition consumed at once holds a transaction while its orders wait for their Odoo
  // batch, and the intent and partner writes use a connection of their own.
  const pool = new pg.Pool({ ...postgresConnection(config.databaseUrl), max: config.partitionConcurrency * 2 + 6 });
  const core = buildCore(config, pool, logger, registry, deps.afterOdooWrite);
  const kafka = deps.kafka ?? createKafka({ brokers: config.kafkaBrokers, clientId: config.serviceName, logger });
  const serde = deps.serde ?? new AvroSerde({ registryUrl: config.schemaRegistryUrl });
  const topics = [config.ordersTopic, config.shipmentsTopic];
  const placements = new TransactionPlacements(core.applier);

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
    // A transaction's OrderPlaced events are placed in Odoo together right before its COMMIT, so
    // a transaction holds up to one Odoo batch. A rollback after the write costs a lookup, not a
    // duplicate: the pending rows are already committed.
    transactionBatchSize: config.batchMax,
    partitionsConsumedConcurrently: config.partitionConcurrency,
    retryInitialDelayMs: deps.retryInitialDelayMs,
    retryMaxDelayMs: deps.retryMaxDelayMs,
    consumerConfig: deps.consumerConfig,
    handler: placements.handler,
    beforeCommit: placements.beforeCommit,
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
  core.retrier.start();

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
    store: core.store,
    pool,
    runner,
    stop: () =>
      (stopping ??= (async () => {
        await http?.close();
        await core.retrier.stop();
        await runner.stop();
        await relay?.stop();
        await core.close();
        await pool.end();
      })()),
  };
}
