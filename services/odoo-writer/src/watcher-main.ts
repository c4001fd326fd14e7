/**
 * odoo-writer's second process: the Odoo watcher (src/watcher), run, scaled and restarted apart
 * from the writer. Its events go out through the writer's outbox, published by the writer's relay.
 */
import { createLogger, Lifecycle, startTelemetry } from '@retail-backbone/observability';
import { watcherConfigFromEnv } from './watcher/config';
import { startOdooWatcher, type RunningOdooWatcher } from './watcher/start';

async function main(): Promise<void> {
  const config = watcherConfigFromEnv();
  const { serviceName, region, logLevel, shutdownTimeoutMs } = config.writer;
  const telemetry = startTelemetry({ serviceName, attributes: { 'deployment.region': region } });
  const logger = createLogger({ service: serviceName, level: logLevel, defaultMeta: { region } });
  const lifecycle = new Lifecycle({ logger, shutdownTimeoutMs }).handleSignals();
  let running: RunningOdooWatcher | undefined;
  lifecycle.onStart('odoo-watcher', async () => {
    running = await startOdooWatcher(config, { logger });
  });
  lifecycle.onStop('odoo-watcher', () => running?.stop());
  lifecycle.onStop('telemetry', () => telemetry.shutdown());
  await lifecycle.start();
}

main().catch((error: unknown) => {
  process.stderr.write(`odoo watcher failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
