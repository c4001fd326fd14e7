import { runServiceMain } from '@retail-backbone/messaging';
import { configFromEnv } from './config';
import { startOrderIngest } from './service';

runServiceMain({
  name: 'order-ingest',
  loadConfig: () => configFromEnv(),
  start: (config, logger) => startOrderIngest(config, { logger }),
});
