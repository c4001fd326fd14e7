import { runServiceMain } from '@retail-backbone/messaging';
import { configFromEnv } from './config';
import { startOdooWriter } from './service';

runServiceMain({
  name: (config) => config.serviceName,
  loadConfig: () => configFromEnv(),
  region: (config) => config.region,
  logLevel: (config) => config.logLevel,
  shutdownTimeoutMs: (config) => config.shutdownTimeoutMs,
  start: (config, logger) => startOdooWriter(config, { logger }),
});
