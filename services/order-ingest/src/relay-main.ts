/**
 * The outbox relay on its own (for deployments that run the HTTP replicas with RUN_RELAY=false).
 * Several relay processes may run: they share the outbox lanes through leases.
 */
import { postgresConnection } from '@retail-backbone/connections';
import { EventSerde } from '@retail-backbone/contracts';
import { createKafka, OutboxRelay } from '@retail-backbone/messaging';
import { createLogger, createMetricsRegistry, createHttpApp, Lifecycle, listen, startTelemetry } from '@retail-backbone/observability';
import pg from 'pg';
import { configFromEnv } from './config';
import { migrate } from './store/migrate';

async function main(): Promise<void> {
  const config = configFromEnv();
  const telemetry = startTelemetry({ serviceName: 'order-ingest-relay', attributes: { 'deployment.region': config.region } });
  const logger = createLogger({ service: 'order-ingest-relay', level: config.logLevel, defaultMeta: { region: config.region } });
  const registry = createMetricsRegistry({ service: 'order-ingest-relay' });
  const lifecycle = new Lifecycle({ logger, shutdownTimeoutMs: config.shutdownTimeoutMs }).handleSignals();
  const pool = new pg.Pool({ ...postgresConnection(config.databaseUrl), max: 4 });
  const relay = new OutboxRelay({
    pool,
    schema: config.schema,
    kafka: createKafka({ brokers: config.kafkaBrokers, clientId: 'order-ingest-relay', logger }),
    serde: new EventSerde({ registryUrl: config.schemaRegistryUrl, clientId: 'order-ingest-relay', autoRegister: config.autoRegisterSchemas }),
    producerName: 'order-ingest',
    logger,
    registry,
  });
  let closeHttp: (() => Promise<void>) | undefined;
  lifecycle.onStart('migrations', () => migrate(config.databaseUrl, config.schema));
  lifecycle.onStart('relay', () => relay.start());
  lifecycle.onStart('http', async () => {
    const app = createHttpApp({ service: 'order-ingest-relay', logger, registry, readiness: [{ name: 'database', check: async () => void (await pool.query('SELECT 1')) }] });
    closeHttp = (await listen(app, config.port)).close;
  });
  lifecycle.onStop('pool', () => pool.end());
  lifecycle.onStop('relay', () => relay.stop());
  lifecycle.onStop('http', () => closeHttp?.());
  lifecycle.onStop('telemetry', () => telemetry.shutdown());
  await lifecycle.start();
  logger.info('order-ingest relay started', { schema: config.schema });
}

main().catch((error: unknown) => {
  process.stderr.write(`order-ingest relay failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
