import { startService, type ConsumerRunner, type EventSerde } from '@retail-backbone/messaging';
import type { Logger, Registry } from '@retail-backbone/observability';
import { createOdooClient, type OdooClient } from '@retail-backbone/odoo-client';
import type { ConsumerConfig, Kafka } from 'kafkajs';
import type pg from 'pg';
import type { OdooWriterConfig } from './config';
import { ODOO_WRITER_MIGRATIONS } from './db/migrate';
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
 * The writer as a declaration for the service kit: its tables, the consumer of orders and
 * shipments, the parked retrier, and the Odoo circuit as a readiness check. Consumption pauses
 * while the Odoo circuit is open.
 */
export async function startOdooWriter(config: OdooWriterConfig, deps: OdooWriterDeps = {}): Promise<OdooWriter> {
  const topics = [config.ordersTopic, config.shipmentsTopic];
  let core!: ReturnType<typeof buildCore>;
  const service = await startService({
    name: config.serviceName,
    region: config.region,
    logLevel: config.logLevel,
    logger: deps.logger,
    registry: deps.registry,
    // Each partition consumed at once holds a transaction while its orders wait for their Odoo
    // batch, and the intent and partner writes use a connection of their own.
    database: { url: config.databaseUrl, schema: config.schema, poolSize: config.partitionConcurrency * 2 + 6, migrations: [ODOO_WRITER_MIGRATIONS] },
    kafka: { brokers: config.kafkaBrokers, schemaRegistryUrl: config.schemaRegistryUrl, client: deps.kafka, serde: deps.serde },
    relay: config.relay,
    consumers: ({ pool, logger, registry }) => {
      core = buildCore(config, pool, logger, registry, deps.afterOdooWrite);
      const placements = new TransactionPlacements(core.applier);
      return [
        {
          groupId: config.groupId,
          topics,
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
        },
      ];
    },
    components: ({ consumers: [runner], logger }) => {
      core.gateway.onCircuitChange((state) => {
        const partitions = topics.map((topic) => ({ topic }));
        try {
          if (state === 'open') runner!.kafkaConsumer.pause(partitions);
          else runner!.kafkaConsumer.resume(partitions);
          logger.warn(state === 'open' ? 'consumption paused: Odoo unavailable' : 'consumption resumed', { topics });
        } catch (error) {
          logger.error('could not pause or resume consumption', { error });
        }
      });
      return [
        { name: 'odoo', stop: () => core.close() },
        { name: 'parked-retrier', start: () => core.retrier.start(), stop: () => core.retrier.stop() },
      ];
    },
    http:
      config.port === undefined
        ? undefined
        : {
            port: config.port,
            readiness: () => [
              {
                name: 'odoo',
                check: () => {
                  if (core.gateway.isOpen) throw new Error('circuit open: Odoo unavailable, consumption paused');
                },
              },
            ],
          },
  });
  service.logger.info('odoo-writer started', { topics, group: config.groupId, protocol: config.odoo.protocol, rate_limit_per_second: config.rateLimitPerSecond });
  return { port: service.port, gateway: core.gateway, retrier: core.retrier, store: core.store, pool: service.pool, runner: service.consumers[0]!, stop: service.stop };
}
