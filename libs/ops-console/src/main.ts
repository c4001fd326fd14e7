import { createLogger } from '@retail-backbone/observability';
import { configFromEnv } from './config';
import { startConsole } from './server';

/** The console as its own process: `pnpm start` runs it; PORT (else OPS_CONSOLE_PORT) picks the port. */
async function main(): Promise<void> {
  const config = configFromEnv(process.env.PORT ? { ...process.env, OPS_CONSOLE_PORT: process.env.PORT } : process.env);
  const logger = createLogger({ service: 'ops-console', level: config.logLevel });
  const running = await startConsole(config, logger, process.env.OPS_CONSOLE_HOST ?? '127.0.0.1');
  logger.info('ops console listening', { url: running.url });
  const stop = () => void running.stop().then(() => process.exit(0), () => process.exit(1));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`ops-console failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
