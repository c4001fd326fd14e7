import { runServiceMain } from '@retail-backbone/messaging';
import { configFromEnv } from './config';
import { startProjector } from './service';

runServiceMain({
  name: (config) => config.service,
  loadConfig: () => configFromEnv(),
  region: (config) => config.region,
  logLevel: (config) => config.logLevel,
  shutdownTimeoutMs: (config) => config.shutdownTimeoutMs,
  start: (config, logger) => startProjector(config, {}, logger),
});
