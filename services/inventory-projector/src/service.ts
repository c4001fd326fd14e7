import { migrateService, startService, type ConsumerRunner, type ServiceComponent } from '@retail-backbone/messaging';
import type { Logger, Registry } from '@retail-backbone/observability';
import { Counter } from 'prom-client';
import type pg from 'pg';
import { availabilityGuard } from './api/auth';
import { AvailabilityCache } from './api/availability-cache';
import { AvailabilityQueries } from './api/queries';
import { availabilityRouter, notFoundHandler, problemErrorHandler } from './api/routes';
import type { ProjectorConfig } from './config';
import { createProjectionConsumer } from './consumer/handler';
import { INPUT_TOPICS } from './consumer/normalise';
import { upsertPolicies } from './db/policies';
import { PROJECTION_MIGRATIONS, stockChangesChannel } from './db/schema';
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

const database = (config: ProjectorConfig) => ({ url: config.databaseUrl, schema: config.schema, poolSize: config.poolSize, migrations: [PROJECTION_MIGRATIONS] });

/** Prepares the schemas (versioned migrations) and the configured policies; safe from several instances at once. */
export async function migrate(config: ProjectorConfig, pool: pg.Pool): Promise<void> {
  await migrateService(database(config));
  await upsertPolicies(pool, config.schema, config.locationPolicies);
}

/**
 * The projector as a declaration for the service kit: its tables, its consumer of the order and
 * stock topics, the availability flusher, and the availability API (all parts by default).
 */
export async function startProjector(config: ProjectorConfig, parts: ProjectorParts = {}, logger?: Logger): Promise<RunningProjector> {
  let flusher: AvailabilityFlusher | undefined;
  let source: AvailabilityQueries | AvailabilityCache | undefined;
  const service = await startService({
    name: config.service,
    region: config.region,
    logLevel: config.logLevel,
    logger,
    database: database(config),
    kafka: { brokers: config.kafkaBrokers, schemaRegistryUrl: config.schemaRegistryUrl, autoRegisterSchemas: config.autoRegisterSchemas, consumerSessionTimeoutMs: config.consumerSessionTimeoutMs },
    relay: parts.relay !== false,
    consumers: ({ registry }) => {
      if (parts.consumer === false) return [];
      const applied = new Counter({ name: 'inventory_projector_events_applied_total', help: 'Events applied to the projection', labelNames: ['kind'], registers: [registry] });
      const rejected = new Counter({ name: 'inventory_projector_reservations_rejected_total', help: 'Orders refused to avoid overselling', registers: [registry] });
      const projection = createProjectionConsumer({
        schema: config.schema,
        defaultPolicy: config.defaultPolicy,
        onApplied: (event, _changes, rejection) => {
          applied.inc({ kind: event.kind });
          if (rejection) rejected.inc();
        },
      });
      return [
        {
          groupId: config.groupId,
          topics: [...INPUT_TOPICS],
          partitionsConsumedConcurrently: config.consumerConcurrency,
          handler: projection.handler,
          beforeCommit: projection.beforeCommit,
        },
      ];
    },
    components: (ctx) => {
      const components: ServiceComponent[] = [{ name: 'policies', start: () => upsertPolicies(ctx.pool, config.schema, config.locationPolicies) }];
      if (parts.flusher !== false) {
        const published = new Counter({ name: 'inventory_projector_availability_events_total', help: 'InventoryAvailabilityChanged events recorded in the outbox', registers: [ctx.registry] });
        const f = new AvailabilityFlusher({
          pool: ctx.pool,
          schema: config.schema,
          service: config.service,
          region: config.region,
          coalesceMs: config.coalesceMs,
          logger: ctx.logger,
          onPublished: (n) => published.inc(n),
        });
        flusher = f;
        components.push({ name: 'flusher', start: () => f.start(), stop: () => f.stop() });
      }
      if (parts.http !== false) {
        const queries = new AvailabilityQueries(ctx.pool, config.schema, config.defaultPolicy);
        source = queries;
        const cacheSize = config.availabilityCacheSize ?? 10_000;
        if (cacheSize > 0) {
          const cache = new AvailabilityCache(queries, cacheSize);
          // While not listening the cache may have missed changes, so it serves nothing it holds.
          ctx.listen({ channels: [stockChangesChannel(config.schema)], onState: (on) => (on ? cache.listening() : cache.lost()), onNotification: (_c, payload) => cache.changed(payload) });
          source = cache;
        }
      }
      return components;
    },
    http:
      parts.http === false
        ? undefined
        : {
            port: config.port,
            routes: (app, ctx) => {
              const auth = config.availabilityAuth ?? { mode: 'none' };
              if (auth.mode === 'none') ctx.logger.warn('availability API has no authentication (AVAILABILITY_API_AUTH=none); development only');
              const refused = new Counter({ name: 'availability_api_refused_total', help: 'Availability API requests refused before the query, by reason', labelNames: ['reason'], registers: [ctx.registry] });
              app.use('/v1/availability', availabilityGuard({ auth, ratePerSecond: config.availabilityRatePerSecond ?? 1_000, onRefused: (reason) => refused.inc({ reason }) }));
              app.use(availabilityRouter(source!));
              app.use(notFoundHandler);
              app.use(problemErrorHandler((error) => ctx.logger.error('request failed', { error })));
            },
          },
  });
  service.logger.info('inventory projector started', { port: service.port ?? 0, schema: config.schema, group: config.groupId });
  return { port: service.port ?? 0, pool: service.pool, logger: service.logger, registry: service.registry, runner: service.consumers[0], flusher, stop: service.stop };
}
