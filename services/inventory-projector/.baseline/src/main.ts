import { createLogger, Lifecycle } from '@retail-backbone/observability';
import { configFromEnv } from './config';
import { startProjector, type RunningProjector } from './service';

async function main(): Promise<void> {
  const config = configFromEnv();
  const logger = createLogger({ service: config.service, level: config.logLevel, defaultMeta: { region: config.region } });
  let running: RunningProjector | undefined;
  const lifecycle = new Lifecycle({ logger, shutdownTimeoutMs: config.shutdownTimeoutMs })
    .onStart('projector', async () => {
      running = await startProjector(config, {}, logger);
    })
    .onStop('projector', async () => running?.stop());
  lifecycle.handleSignals();
  await lifecycle.start();
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
