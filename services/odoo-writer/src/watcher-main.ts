/**
 * odoo-writer's second process: the Odoo watcher (src/watcher), run, scaled and restarted apart
 * from the writer. Its events go out through the writer's outbox, published by the writer's relay.
 */
import { runServiceMain } from '@retail-backbone/messaging';
import { watcherConfigFromEnv, type WatcherConfig } from './watcher/config';
import { startOdooWatcher } from './watcher/start';

runServiceMain<WatcherConfig['writer'] & { watcher: WatcherConfig }>({
  name: (config) => config.serviceName,
  loadConfig: () => {
    const config = watcherConfigFromEnv();
    return { ...config.writer, watcher: config };
  },
  start: (config, logger) => startOdooWatcher(config.watcher, { logger }),
});
