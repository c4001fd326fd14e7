import { createLogger, Lifecycle, startTelemetry } from '@retail-backbone/observability';
import { configFromEnv } from './config';
import { startOdooWriter, type OdooWriter } from './service';

async function main(): Promise<void> {
  const config = configFromEnv();
  const telemetry = startTelemetry({ serviceName: config.serviceName, attributes: { 'deployment.region': config.region } });
  const logger = createLogger({ service: config.serviceName, level: config.logLevel, defaultMeta: { region: config.region } });
  const lifecycle = new Lifecycle({ logger, shutdownTimeoutMs: config.shutdownTimeoutMs }).handleSignals();
  let writer: OdooWriter | undefined;
  lifecycle.onStart('odoo-writer', async () => {
    writer = await startOdooWriter(config, { logger });
  });
  lifecycle.onStop('odoo-writer', () => writer?.stop());
  lifecycle.onStop('telemetry', () => telemetry.shutdown());
  await lifecycle.start();
}

main().catch((error: unknown) => {
  process.stderr.write(`odoo-writer failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
