/**
 * order-ingest as a declaration for the service kit: its tables, its webhook and POS routes, the
 * POS key revocation LISTEN, retention, and (unless RUN_RELAY=false) the outbox relay in-process.
 */
import type { Server } from 'node:http';
import { startService, type OutboxRelay } from '@retail-backbone/messaging';
import type { Express, Logger } from '@retail-backbone/observability';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { OrderIngestConfig } from './config';
import { acceptCorrelationId, ingestRoutes } from './http/app';
import { ingestMetrics } from './metrics';
import { PosApiKeys, posKeyRevokedChannel } from './pos/api-keys';
import { IngestStore } from './store/ingest-store';
import { ORDER_INGEST_MIGRATIONS } from './store/migrate';
import { RetentionPruner } from './store/retention';

export interface OrderIngestService {
  app: Express;
  pool: pg.Pool;
  store: IngestStore;
  keys: PosApiKeys;
  registry: Registry;
  relay: OutboxRelay | undefined;
  server: Server | undefined;
  port: number | undefined;
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  registry?: Registry;
  /** Skip migrations (they are normally applied at start). */
  migrate?: boolean;
  /** Bind an HTTP port (default true); tests may drive `app` with supertest-like clients instead. */
  listen?: boolean;
  host?: string;
}

export async function startOrderIngest(config: OrderIngestConfig, options: StartOptions = {}): Promise<OrderIngestService> {
  let store!: IngestStore;
  let keys!: PosApiKeys;
  const service = await startService({
    name: 'order-ingest',
    region: config.region,
    logLevel: config.logLevel,
    logger: options.logger,
    registry: options.registry,
    database: { url: config.databaseUrl, schema: config.schema, poolSize: config.poolSize, connectTimeoutMs: 2_000, migrations: [ORDER_INGEST_MIGRATIONS], migrate: options.migrate },
    kafka: config.runRelay ? { brokers: config.kafkaBrokers, schemaRegistryUrl: config.schemaRegistryUrl, autoRegisterSchemas: config.autoRegisterSchemas } : undefined,
    relay: config.runRelay,
    components: (ctx) => {
      store = new IngestStore({ pool: ctx.pool, schema: config.schema, region: config.region });
      keys = new PosApiKeys(ctx.pool, config.schema, config.posKeyCacheMs);
      // Revocations from any replica or the pos-keys CLI; while not listening, nothing cached is trusted.
      ctx.listen({
        channels: [posKeyRevokedChannel(config.schema)],
        onState: () => keys.forgetAll(),
        onNotification: (_channel, keyId) => keyId && keys.forget(keyId),
      });
      const retention = config.retention ? new RetentionPruner({ pool: ctx.pool, schema: config.schema, ...config.retention, logger: ctx.logger, registry: ctx.registry }) : undefined;
      return retention ? [{ name: 'retention', start: () => retention.start(), stop: () => retention.stop() }] : [];
    },
    http: {
      port: config.port,
      host: options.host,
      bind: options.listen,
      beforeContext: [acceptCorrelationId],
      routes: (app, ctx) => ingestRoutes(app, { config, store, keys, logger: ctx.logger, metrics: ingestMetrics(ctx.registry) }),
    },
  });
  service.logger.info('order-ingest started', {
    port: service.port,
    relay: Boolean(service.relay),
    channels: Object.entries(config.secrets)
      .filter(([, secret]) => Boolean(secret))
      .map(([channel]) => channel),
  });
  return { app: service.app!, pool: service.pool, store, keys, registry: service.registry, relay: service.relay, server: service.server, port: service.port, stop: service.stop };
}
