import { createLogger, Lifecycle, startTelemetry } from '@retail-backbone/observability';
import { configFromEnv } from './config';
import { startOrderIngest, type OrderIngestService } from './service';

async function main(): Promise<void> {
  const config = configFromEnv();
  const telemetry = startTelemetry({ serviceName: 'order-ingest', attributes: { 'deployment.region': config.region } });
  const logger = createLogger({ service: 'order-ingest', level: config.logLevel, defaultMeta: { region: config.region } });
  const lifecycle = new Lifecycle({ logger, shutdownTimeoutMs: config.shutdownTimeoutMs }).handleSignals();
  let service: OrderIngestService | undefined;
  lifecycle.onStart('order-ingest', async () => {
    service = await startOrderIngest(config, { logger });
  });
  lifecycle.onStop('order-ingest', () => service?.stop());
  lifecycle.onStop('telemetry', () => telemetry.shutdown());
  await lifecycle.start();
}

main().catch((error: unknown) => {
  process.stderr.write(`order-ingest failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
