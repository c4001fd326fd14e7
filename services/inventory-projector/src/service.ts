import { postgresConnection } from '@retail-backbone/connections';
import { EventSerde } from '@retail-backbone/contracts';
import { ConsumerRunner, createKafka, migrateMessaging, OutboxRelay } from '@retail-backbone/messaging';
import { createHttpApp, createLogger, createMetricsRegistry, listen, type Logger, type Registry } from '@retail-backbone/observability';
import { Counter } from 'prom-client';
import pg from 'pg';
import { availabilityRouter, notFoundHandler, problemErrorHandler } from './api/routes';
import { availabilityGuard } from './api/auth';
import { AvailabilityQueries } from './api/queries';
import { AvailabilityCache } from './api/availability-cache';
import { StockChangeListener } from './api/stock-change-listener';
import type { ProjectorConfig } from './config';
import { createProjectionConsumer } from './consumer/handler';
import { INPUT_TOPICS } from './consumer/normalise';
import { upsertPolicies } from './db/policies';
import { ensureProjectionSchema, stockChangesChannel } from './db/schema';
import { AvailabilityFlusher } from './publisher/flusher';

export interface ProjectorParts {
  http?: boolean;
  consumer?: boolean;
  relay?: boolean;
  flusher?: boolean;
}

export interface RunningProjector {
  port: number;
  pool: pg.Pool;
  logger: Logger;
  registry: Registry;
  runner: ConsumerRunner | undefined;
  flusher: AvailabilityFlusher | undefined;
  stop(): Promise<void>;
}

/** Prepares the schemas; safe to run from several instances at once. */
export async function migrate(config: ProjectorConfig, pool: pg.Pool): Promise<void> {
  await migrateMessaging({ databaseUrl: config.databaseUrl, schema: config.schema });
  await ensureProjectionSchema(pool, config.schema);
  await upsertPolicies(pool, config.schema, config.locationPolicies);
}

/**
 * Starts the projector's parts (all by default): consumers, availability flusher, outbox relay and
 * HTTP API. Stops them in reverse order.
 */
export async function startProjector(config: ProjectorConfig, parts: ProjectorParts = {}, logger?: Logger): Promise<RunningProjector> {
  const log = logger ?? createLogger({ service: config.service, level: config.logLevel, defaultMeta: { region: config.region } });
  const registry = createMetricsRegistry({ service: config.service });
  const pool = new pg.Pool({ ...postgresConnection(config.databaseUrl), max: config.poolSize });
  pool.on('error', (error) => log.warn('idle database connection failed', { error }));
  const stops: Array<() => Promise<void>> = [async () => pool.end()];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch((error) => log.error('stop failed', { error }));
  };
  try {
    await migrate(config, pool);
    const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: config.service, logger: log });
    const serde = new EventSerde({ registryUrl: config.schemaRegistryUrl, clientId: config.service, autoRegister: config.autoRegisterSchemas });
    const applied = new Counter({ name: 'inventory_projector_events_applied_total', help: 'Events applied to the projection', labelNames: ['kind'], registers: [registry] });
    const rejected = new Counter({ name: 'inventory_projector_reservations_rejected_total', help: 'Orders refused to avoid overselling', registers: [registry] });
    const published = new Counter({ name: 'inventory_projector_availability_events_total', help: 'InventoryAvailabilityChanged events recorded in the outbox', registers: [registry] });

    let runner: ConsumerRunner | undefined;
    let flusher: AvailabilityFlusher | undefined;
    if (parts.relay !== false) {
      const relay = new OutboxRelay({ pool, schema: config.schema, kafka, serde, producerName: config.service, logger: log, registry });
      await relay.start();
      stops.push(() => relay.stop());
    }
    if (parts.flusher !== false) {
      flusher = new AvailabilityFlusher({
        pool,
        schema: config.schema,
        service: config.service,
        region: config.region,
        coalesceMs: config.coalesceMs,
        logger: log,
        onPublished: (n) => published.inc(n),
      });
      flusher.start();
      const f = flusher;
      stops.push(() => f.stop());
    }
    if (parts.consumer !== false) {
      const projection = createProjectionConsumer({
        schema: config.schema,
        defaultPolicy: config.defaultPolicy,
        onApplied: (event, _changes, rejection) => {
          applied.inc({ kind: event.kind });
          if (rejection) rejected.inc();
        },
      });
      runner = new ConsumerRunner({
        kafka,
        pool,
        schema: config.schema,
        groupId: config.groupId,
        topics: [...INPUT_TOPICS],
        serde,
        service: config.service,
        region: config.region,
        logger: log,
        registry,
        partitionsConsumedConcurrently: config.consumerConcurrency,
        handler: projection.handler,
        beforeCommit: projection.beforeCommit,
      });
      await runner.start();
      const r = runner;
      stops.push(() => r.stop());
    }
    let port = 0;
    if (parts.http !== false) {
      const app = createHttpApp({
        service: config.service,
        logger: log,
        registry,
        readiness: [{ name: 'postgres', check: async () => void (await pool.query('SELECT 1')) }],
      });
      const queries = new AvailabilityQueries(pool, config.schema, config.defaultPolicy);
      const cacheSize = config.availabilityCacheSize ?? 10_000;
      let source: AvailabilityQueries | AvailabilityCache = queries;
      if (cacheSize > 0) {
        const cache = new AvailabilityCache(queries, cacheSize);
        const listener = new StockChangeListener({ connectionString: config.databaseUrl, channel: stockChangesChannel(config.schema), logger: log }, cache);
        await listener.start();
        stops.push(() => listener.stop());
        source = cache;
      }
      const auth = config.availabilityAuth ?? { mode: 'none' };
      if (auth.mode === 'none') log.warn('availability API has no authentication (AVAILABILITY_API_AUTH=none); development only');
      const refused = new Counter({ name: 'availability_api_refused_total', help: 'Availability API requests refused before the query, by reason', labelNames: ['reason'], registers: [registry] });
      app.use('/v1/availability', availabilityGuard({ auth, ratePerSecond: config.availabilityRatePerSecond ?? 1_000, onRefused: (reason) => refused.inc({ reason }) }));
      app.use(availabilityRouter(source));
      app.use(notFoundHandler);
      app.use(problemErrorHandler((error) => log.error('request failed', { error })));
      const server = await listen(app, config.port);
      port = server.port;
      stops.push(() => server.close());
    }
    log.info('inventory projector started', { port, schema: config.schema, group: config.groupId });
    return { port, pool, logger: log, registry, runner, flusher, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
