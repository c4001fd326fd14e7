import { runServiceMain } from '@retail-backbone/messaging';
import { configFromEnv } from './config';
import { startProjector } from './service';

runServiceMain({
  name: (config) => config.service,
  loadConfig: () => configFromEnv(),
  start: (config, logger) => startProjector(config, {}, logger),
});
