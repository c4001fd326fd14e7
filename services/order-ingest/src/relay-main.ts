/**
 * The outbox relay on its own (for deployments that run the HTTP replicas with RUN_RELAY=false).
 * Several relay processes may run: they share the outbox lanes through leases.
 */
import { runServiceMain, startService } from '@retail-backbone/messaging';
import { configFromEnv } from './config';
import { ORDER_INGEST_MIGRATIONS } from './store/migrate';

runServiceMain({
  name: 'order-ingest-relay',
  loadConfig: () => configFromEnv(),
  start: async (config, logger) => {
    const relay = await startService({
      name: 'order-ingest-relay',
      region: config.region,
      logger,
      database: { url: config.databaseUrl, schema: config.schema, poolSize: 4, migrations: [ORDER_INGEST_MIGRATIONS] },
      kafka: { brokers: config.kafkaBrokers, schemaRegistryUrl: config.schemaRegistryUrl, autoRegisterSchemas: config.autoRegisterSchemas },
      relay: { producerName: 'order-ingest' },
      http: { port: config.port },
    });
    logger.info('order-ingest relay started', { schema: config.schema });
    return relay;
  },
});
