import { EffectExecutor, EffectStore, startService, type ConsumerRunner, type EventSerde } from '@retail-backbone/messaging';
import type { Logger, Registry } from '@retail-backbone/observability';
import type { ConsumerConfig, Kafka } from 'kafkajs';
import type pg from 'pg';
import type { LoyaltySyncConfig } from './config';
import { LOYALTY_SYNC_MIGRATIONS } from './db/migrate';
import { LoyaltyStore } from './db/store';
import { loyaltyMetrics } from './metrics';
import { LoyaltyClient } from './platform/client';
import { LoyaltyIntents } from './sync/intents';
import { movementEffect, MOVEMENT_KIND } from './sync/movement-effect';
import { EarningRules } from './sync/rules';

export interface LoyaltySyncDeps {
  logger?: Logger;
  registry?: Registry;
  serde?: EventSerde;
  kafka?: Kafka;
  consumerConfig?: Partial<ConsumerConfig>;
  retryInitialDelayMs?: number;
}

export interface LoyaltySync {
  readonly port: number | undefined;
  readonly executor: EffectExecutor;
  readonly store: LoyaltyStore;
  readonly pool: pg.Pool;
  readonly runner: ConsumerRunner;
  stop(): Promise<void>;
}

/**
 * loyalty-sync as a declaration for the service kit: its tables (with the outside-effects
 * table), one consumer of orders, payments and shipments that only records point movements, and
 * the effect executor that performs them on the loyalty platform after COMMIT, rate-limited and
 * behind a circuit. Consumption goes on during a platform outage: movements wait as durable rows
 * and drain, in order per member, when it is back.
 */
export async function startLoyaltySync(config: LoyaltySyncConfig, deps: LoyaltySyncDeps = {}): Promise<LoyaltySync> {
  const store = new LoyaltyStore(config.schema);
  const effects = new EffectStore(config.schema);
  const rules = new EarningRules(config.rules, config.region);
  let executor!: EffectExecutor;
  const service = await startService({
    name: config.serviceName,
    region: config.region,
    logLevel: config.logLevel,
    logger: deps.logger,
    registry: deps.registry,
    database: { url: config.databaseUrl, schema: config.schema, poolSize: config.concurrency + 8, effects: true, migrations: [LOYALTY_SYNC_MIGRATIONS] },
    kafka: { brokers: config.kafkaBrokers, schemaRegistryUrl: config.schemaRegistryUrl, consumerSessionTimeoutMs: config.consumerSessionTimeoutMs, client: deps.kafka, serde: deps.serde },
    relay: config.relay,
    consumers: ({ pool, logger, registry }) => {
      const metrics = loyaltyMetrics(registry);
      const client = new LoyaltyClient(config.platform);
      executor = new EffectExecutor({
        pool,
        schema: config.schema,
        service: config.serviceName,
        region: config.region,
        logger,
        registry,
        definitions: [
          movementEffect(client, store, effects, metrics, {
            concurrency: config.concurrency,
            ratePerSecond: config.rateLimitPerSecond,
            timeoutMs: config.platform.timeoutMs * 3,
            ambiguityWindowMs: config.ambiguityWindowMs,
            breaker: { threshold: config.breakerThreshold, halfOpenAfterMs: config.breakerHalfOpenMs },
          }),
        ],
        retryInitialDelayMs: deps.retryInitialDelayMs,
        retryMaxDelayMs: config.retryMaxDelayMs,
      });
      const intents = new LoyaltyIntents(store, effects, rules, metrics, () => executor.wake());
      return [
        {
          groupId: config.groupId,
          topics: config.topics,
          consumerConfig: deps.consumerConfig,
          handler: intents.handler,
        },
      ];
    },
    // Started before the consumers and stopped after them: recorded movements are durable rows
    // the executor may still drain once the consumers have stopped.
    components: () => [{ name: 'effect-executor', start: () => executor.start(), stop: () => executor.stop() }],
    http:
      config.port === undefined
        ? undefined
        : {
            port: config.port,
            readiness: () => [],
          },
  });
  service.logger.info('loyalty-sync started', { topics: config.topics, group: config.groupId, rate_limit_per_second: config.rateLimitPerSecond, effect_kind: MOVEMENT_KIND });
  return { port: service.port, executor, store, pool: service.pool, runner: service.consumers[0]!, stop: service.stop };
}
