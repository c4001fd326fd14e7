import { runServiceMain } from '@retail-backbone/messaging';
import { configFromEnv } from './config';
import { startOdooWriter } from './service';

runServiceMain({
  name: (config) => config.serviceName,
  loadConfig: () => configFromEnv(),
  start: (config, logger) => startOdooWriter(config, { logger }),
});
