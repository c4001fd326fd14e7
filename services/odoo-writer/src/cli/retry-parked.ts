import { createDatabasePool } from '@retail-backbone/messaging';
import { createLogger, createMetricsRegistry } from '@retail-backbone/observability';
import { Command } from 'commander';
import { configFromEnv } from '../config';
import { migrateOdooWriter } from '../db/migrate';
import { buildCore } from '../service';

/** Retries parked events now, ignoring their backoff schedule; same environment as the service. */
async function main(): Promise<void> {
  const program = new Command()
    .name('retry-parked')
    .description('Retry events parked after a business failure (e.g. unknown SKU), earliest per order first')
    .option('--order <orderId>', 'only this order')
    .parse();
  const { order } = program.opts<{ order?: string }>();
  const config = configFromEnv();
  const logger = createLogger({ service: `${config.serviceName}-retry-parked`, level: config.logLevel });
  await migrateOdooWriter(config.databaseUrl, config.schema);
  const pool = createDatabasePool({ connectionString: config.databaseUrl, max: 4, name: 'retry-parked', logger });
  const core = buildCore({ ...config, parkedRetryIntervalMs: 0 }, pool, logger, createMetricsRegistry({ service: 'retry-parked', defaultMetrics: false }));
  try {
    const report = await core.retrier.runOnce({ orderId: order, ignoreSchedule: true });
    process.stdout.write(`${JSON.stringify(report)}\n`);
    process.exitCode = report.interruptedBy ? 2 : 0;
  } finally {
    await core.close();
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`retry-parked failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
