/**
 * Wires the service: database pool and migrations, the HTTP app, and (unless RUN_RELAY=false)
 * the outbox relay in the same process, publishing to Kafka through the Avro serde.
 */
import { postgresConnection } from '@retail-backbone/connections';
import type { Server } from 'node:http';
import { EventSerde } from '@retail-backbone/contracts';
import { createKafka, OutboxRelay, PgListener } from '@retail-backbone/messaging';
import { createLogger, createMetricsRegistry, listen, type Logger } from '@retail-backbone/observability';
import type { Express } from 'express';
import pg from 'pg';
import type { Registry } from 'prom-client';
import type { OrderIngestConfig } from './config';
import { createIngestApp } from './http/app';
import { ingestMetrics } from './metrics';
import { PosApiKeys, posKeyRevokedChannel } from './pos/api-keys';
import { RetentionPruner } from './store/retention';
import { IngestStore } from './store/ingest-store';
import { migrate } from './store/migrate';

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
  const logger = options.logger ?? createLogger({ service: 'order-ingest', level: config.logLevel, defaultMeta: { region: config.region } });
  const registry = options.registry ?? createMetricsRegistry({ service: 'order-ingest' });
  if (options.migrate !== false) await migrate(config.databaseUrl, config.schema);
  const pool = new pg.Pool({ ...postgresConnection(config.databaseUrl), max: config.poolSize, connectionTimeoutMillis: 2_000 });
  pool.on('error', (error) => logger.warn('idle database connection failed', { error: error.message }));
  const store = new IngestStore({ pool, schema: config.schema, region: config.region });
  const keys = new PosApiKeys(pool, config.schema, config.posKeyCacheMs);
  // Revocations from any replica or the pos-keys CLI; while not listening, nothing cached is trusted.
  const revocations = new PgListener(
    { connectionString: config.databaseUrl, channel: posKeyRevokedChannel(config.schema), logger },
    { listening: () => keys.forgetAll(), lost: () => keys.forgetAll(), changed: (keyId) => keyId && keys.forget(keyId) },
  );
  await revocations.start();
  const retention = config.retention ? new RetentionPruner({ pool, schema: config.schema, ...config.retention, logger, registry }) : undefined;
  retention?.start();

  let relay: OutboxRelay | undefined;
  if (config.runRelay) {
    const serde = new EventSerde({ registryUrl: config.schemaRegistryUrl, clientId: 'order-ingest', autoRegister: config.autoRegisterSchemas });
    const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'order-ingest', logger });
    relay = new OutboxRelay({ pool, schema: config.schema, kafka, serde, producerName: 'order-ingest', logger, registry });
  }

  const app = createIngestApp({ config, store, keys, logger, metrics: ingestMetrics(registry) }, registry, [
    { name: 'database', check: async () => void (await pool.query('SELECT 1')) },
  ]);

  let server: Server | undefined;
  let port: number | undefined;
  let close: (() => Promise<void>) | undefined;
  try {
    await relay?.start();
    if (options.listen !== false) {
      const bound = await listen(app, config.port, options.host);
      server = bound.server;
      port = bound.port;
      close = bound.close;
      // Keep-alive longer than typical load balancer idle timeouts, so they close first.
      server.keepAliveTimeout = 65_000;
    }
  } catch (error) {
    await relay?.stop().catch(() => undefined);
    await revocations.stop();
    await retention?.stop();
    await pool.end();
    throw error;
  }
  logger.info('order-ingest started', {
    port,
    relay: Boolean(relay),
    channels: Object.entries(config.secrets)
      .filter(([, secret]) => Boolean(secret))
      .map(([channel]) => channel),
  });

  return {
    app,
    pool,
    store,
    keys,
    registry,
    relay,
    server,
    port,
    async stop() {
      await close?.();
      await relay?.stop();
      await revocations.stop();
      await retention?.stop();
      await pool.end();
    },
  };
}
