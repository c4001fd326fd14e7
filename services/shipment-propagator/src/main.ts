import { runServiceMain } from '@retail-backbone/messaging';
import { configFromEnv } from './config';
import { startShipmentPropagator } from './service';

runServiceMain({
  name: (config) => config.serviceName,
  loadConfig: () => configFromEnv(),
  start: (config, logger) => startShipmentPropagator(config, { logger }),
});
