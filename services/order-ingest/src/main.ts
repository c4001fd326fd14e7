import { runServiceMain } from '@retail-backbone/messaging';
import { configFromEnv } from './config';
import { startOrderIngest } from './service';

runServiceMain({
  name: 'order-ingest',
  loadConfig: () => configFromEnv(),
  region: (config) => config.region,
  logLevel: (config) => config.logLevel,
  shutdownTimeoutMs: (config) => config.shutdownTimeoutMs,
  start: (config, logger) => startOrderIngest(config, { logger }),
});
