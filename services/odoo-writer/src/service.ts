import { EffectExecutor, EffectStore, odooAmbiguityWindowMs, startService, type ConsumerRunner, type EventSerde } from '@retail-backbone/messaging';
import type { Logger, Registry } from '@retail-backbone/observability';
import { createOdooClient, type OdooClient } from '@retail-backbone/odoo-client';
import type { ConsumerConfig, Kafka } from 'kafkajs';
import type pg from 'pg';
import type { OdooWriterConfig } from './config';
import { ODOO_WRITER_MIGRATIONS } from './db/migrate';
import { WriterStore } from './db/store';
import { AccountingRecords } from './money/accounting-records';
import { OdooGateway, odooCircuit } from './odoo/gateway';
import { followUpEffect } from './sync/follow-up-effect';
import { FollowUps } from './sync/follow-ups';
import { OrderIntents } from './sync/intents';
import { OrderPlacer, type AfterOdooWrite } from './sync/orders';
import { ParkedEffects } from './sync/parked-retrier';
import { PartnerResolver } from './sync/partners';
import { paymentEffect } from './sync/payment-effect';
import { Payments } from './sync/payments';
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
  const accounting = config.accounting ? { config: config.accounting, records: new AccountingRecords(gateway, config.accounting, config.productCacheTtlMs) } : undefined;
  const placer = new OrderPlacer(gateway, products, partners, { registry, afterOdooWrite, accounting, oversellPath: config.oversellPath ?? 'quotation' });
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
      placementEffect(placer, store, { ...limits, batchSize: config.batchMax, overlapAfterMs: 2_000 }, registry),
      followUpEffect(new FollowUps(gateway, placer, products, store, pool, config.backorders, config.accounting?.invoicing), store, limits),
      paymentEffect(new Payments(gateway, store, pool), store, { ...limits, batchSize: config.batchMax }),
    ],
    pollIntervalMs: Math.max(10, config.batchWindowMs),
    retryInitialDelayMs,
    retryMaxDelayMs,
  });
  const intents = new OrderIntents(store, effects, registry, undefined, config.stockVerdict ?? 'ignore');
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
 * The writer as a declaration for the service kit: its tables (with the outside-effects table),
 * the consumer of orders and shipments (it only records intents: see OrderIntents), the effect
 * executor that calls Odoo after COMMIT with no transaction open, and the Odoo circuit as a
 * readiness check. Consumption pauses while the Odoo circuit is open.
 */
export async function startOdooWriter(config: OdooWriterConfig, deps: OdooWriterDeps = {}): Promise<OdooWriter> {
  const topics = [
    config.ordersTopic,
    config.shipmentsTopic,
    ...(config.stockVerdict === 'wait' ? [config.reservationsTopic ?? 'retail.inventory-reservations.v1'] : []),
    // payments need the invoices the accounting table makes
    ...(config.accounting ? [config.paymentsTopic ?? 'retail.payments.v1'] : []),
  ];
  let core!: ReturnType<typeof buildCore>;
  const service = await startService({
    name: config.serviceName,
    region: config.region,
    logLevel: config.logLevel,
    logger: deps.logger,
    registry: deps.registry,
    // One short transaction per partition consumed at once, plus the executor's claims, lease
    // renewals, completions and partner locks (no connection is held during an Odoo call).
    database: { url: config.databaseUrl, schema: config.schema, poolSize: config.partitionConcurrency * 2 + 6, effects: true, migrations: [ODOO_WRITER_MIGRATIONS] },
    kafka: { brokers: config.kafkaBrokers, schemaRegistryUrl: config.schemaRegistryUrl, consumerSessionTimeoutMs: config.consumerSessionTimeoutMs, client: deps.kafka, serde: deps.serde },
    relay: config.relay,
    consumers: ({ pool, logger, registry }) => {
      core = buildCore(config, pool, logger, registry, deps.afterOdooWrite, deps);
      return [
        {
          groupId: config.groupId,
          topics,
          transactionBatchSize: config.batchMax,
          partitionsConsumedConcurrently: config.partitionConcurrency,
          retryInitialDelayMs: deps.retryInitialDelayMs,
          retryMaxDelayMs: deps.retryMaxDelayMs,
          consumerConfig: deps.consumerConfig,
          handler: core.intents.handler,
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
      // Components start before the consumers and stop after them (reverse order): intents the
      // consumers record are durable rows, so the executor may drain them after the consumers stop.
      return [
        { name: 'odoo', stop: () => core.close() },
        { name: 'effect-executor', start: () => core.executor.start(), stop: () => core.executor.stop() },
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
  return {
    port: service.port,
    gateway: core.gateway,
    retrier: core.retrier,
    executor: core.executor,
    store: core.store,
    pool: service.pool,
    runner: service.consumers[0]!,
    stop: service.stop,
  };
}
