import { EffectExecutor, EffectStore, startService, type ConsumerRunner, type EffectDefinition, type EventSerde } from '@retail-backbone/messaging';
import type { Logger, Registry } from '@retail-backbone/observability';
import type { ConsumerConfig, Kafka } from 'kafkajs';
import type pg from 'pg';
import { CustomerHook } from './channels/customer-hook';
import { PosStoreNotifications } from './channels/pos';
import { ShopifyFulfilments } from './channels/shopify';
import { WooCommerceFulfilments } from './channels/woocommerce';
import type { PropagatorConfig } from './config';
import { PROPAGATOR_MIGRATIONS } from './db/migrate';
import { PropagatorStore } from './db/store';
import { propagationEffect, type Propagate, type TargetLimits } from './effects';
import { ShipmentIntake } from './intake';
import { propagatorMetrics } from './metrics';
import { EFFECT_KINDS, type TargetKind } from './propagation';

export interface PropagatorDeps {
  logger?: Logger;
  registry?: Registry;
  serde?: EventSerde;
  kafka?: Kafka;
  consumerConfig?: Partial<ConsumerConfig>;
  retryInitialDelayMs?: number;
  retryMaxDelayMs?: number;
  pollIntervalMs?: number;
}

export interface ShipmentPropagator {
  readonly port: number | undefined;
  readonly executor: EffectExecutor;
  readonly store: PropagatorStore;
  readonly effects: EffectStore;
  readonly intake: ShipmentIntake;
  readonly pool: pg.Pool;
  readonly runner: ConsumerRunner;
  stop(): Promise<void>;
}

/** The calls each configured target makes, by target. */
function targets(config: PropagatorConfig): Map<TargetKind, Propagate> {
  const timeoutMs = config.channelTimeoutMs;
  const out = new Map<TargetKind, Propagate>();
  if (config.shopify) {
    const shopify = new ShopifyFulfilments({ ...config.shopify, timeoutMs });
    out.set('shopify', (p, e, signal) => shopify.fulfil(p, e.lookFirst, signal));
  }
  if (config.woocommerce) {
    const woo = new WooCommerceFulfilments({ ...config.woocommerce, timeoutMs });
    out.set('woocommerce', (p, _e, signal) => woo.fulfil(p, signal));
  }
  if (config.pos) {
    const pos = new PosStoreNotifications({ ...config.pos, timeoutMs });
    out.set('pos', (p, e, signal) => pos.notify(p, e.key, e.lookFirst, signal));
  }
  if (config.customerHook) {
    const hook = new CustomerHook({ ...config.customerHook, timeoutMs });
    out.set('customer-hook', (p, e, signal) => hook.send(p, e.key, signal));
  }
  return out;
}

/** The executor with one effect kind per configured target (and its own limits and circuit). */
export function buildExecutor(config: PropagatorConfig, pool: pg.Pool, logger: Logger, registry: Registry, deps: PropagatorDeps = {}) {
  const metrics = propagatorMetrics(registry, pool, config.schema);
  const calls = targets(config);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const definitions: Array<EffectDefinition<any, any>> = [...calls].map(([target, propagate]) => {
    const limits: TargetLimits = {
      ...config.tuning[target],
      // An attempt makes up to four calls (read, write, read notes, note) and may wait out a throttle.
      timeoutMs: config.channelTimeoutMs * 4,
      ambiguityWindowMs: config.ambiguityWindowMs,
      refusedRetryDelayMs: config.refusedRetryDelayMs,
      breaker: { threshold: config.breakerThreshold, halfOpenAfterMs: config.breakerHalfOpenMs },
    };
    return propagationEffect(target, propagate, { topic: config.shipmentsTopic, limits, metrics });
  });
  const executor = new EffectExecutor({
    pool,
    schema: config.schema,
    service: config.serviceName,
    region: config.region,
    logger,
    registry,
    definitions,
    ambiguityWindowMs: config.ambiguityWindowMs,
    pollIntervalMs: deps.pollIntervalMs ?? 50,
    retryInitialDelayMs: deps.retryInitialDelayMs,
    retryMaxDelayMs: deps.retryMaxDelayMs,
  });
  return { executor, metrics, targets: new Set(calls.keys()) };
}

/**
 * The propagator as a declaration on the service kit: its tables (with the outside-effects
 * table), one consumer of orders and shipments that only records intents, and the effect
 * executor that calls the channels after COMMIT with no transaction open. Readiness reports a
 * target whose circuit is open; consumption goes on (intents are rows; nothing waits on them).
 */
export async function startShipmentPropagator(config: PropagatorConfig, deps: PropagatorDeps = {}): Promise<ShipmentPropagator> {
  let built!: ReturnType<typeof buildExecutor>;
  let intake!: ShipmentIntake;
  const store = new PropagatorStore(config.schema);
  const effects = new EffectStore(config.schema);
  const service = await startService({
    name: config.serviceName,
    region: config.region,
    logLevel: config.logLevel,
    logger: deps.logger,
    registry: deps.registry,
    database: { url: config.databaseUrl, schema: config.schema, poolSize: 12, effects: true, migrations: [PROPAGATOR_MIGRATIONS] },
    kafka: { brokers: config.kafkaBrokers, schemaRegistryUrl: config.schemaRegistryUrl, consumerSessionTimeoutMs: config.consumerSessionTimeoutMs, client: deps.kafka, serde: deps.serde },
    relay: config.relay,
    consumers: ({ pool, logger, registry }) => {
      built = buildExecutor(config, pool, logger, registry, deps);
      intake = new ShipmentIntake(
        store,
        effects,
        built.metrics,
        { shipmentsTopic: config.shipmentsTopic, channels: built.targets, customerHook: built.targets.has('customer-hook') },
        () => built.executor.wake(),
      );
      return [
        {
          groupId: config.groupId,
          topics: [config.ordersTopic, config.shipmentsTopic],
          partitionsConsumedConcurrently: 3,
          retryInitialDelayMs: deps.retryInitialDelayMs,
          retryMaxDelayMs: deps.retryMaxDelayMs,
          consumerConfig: deps.consumerConfig,
          handler: intake.handler,
        },
      ];
    },
    // Started before the consumers, stopped after them: recorded intents are drained by the executor.
    components: () => [{ name: 'effect-executor', start: () => built.executor.start(), stop: () => built.executor.stop() }],
    http:
      config.port === undefined
        ? undefined
        : {
            port: config.port,
            readiness: () =>
              [...built.targets].map((target) => ({
                name: `channel ${target}`,
                check: () => {
                  if (built.executor.isOpen(EFFECT_KINDS[target])) throw new Error(`circuit open: ${target} unavailable, its propagations wait`);
                },
              })),
          },
  });
  service.logger.info('shipment-propagator started', { group: config.groupId, targets: [...built.targets] });
  return { port: service.port, executor: built.executor, store, effects, intake, pool: service.pool, runner: service.consumers[0]!, stop: service.stop };
}
