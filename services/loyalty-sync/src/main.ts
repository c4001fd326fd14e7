import { runServiceMain } from '@retail-backbone/messaging';
import { configFromEnv } from './config';
import { startLoyaltySync } from './service';

runServiceMain({
  name: (config) => config.serviceName,
  loadConfig: () => configFromEnv(),
  start: (config, logger) => startLoyaltySync(config, { logger }),
});
