import { createDatabasePool, EffectStore } from '@retail-backbone/messaging';
import { createLogger } from '@retail-backbone/observability';
import { Command } from 'commander';
import { configFromEnv } from '../config';
import { migrateOdooWriter } from '../db/migrate';
import { ParkedEffects } from '../sync/parked-retrier';

/**
 * Makes Odoo writes refused for a business reason (e.g. unknown SKU) due now, ignoring their
 * backoff; the running writer's effect executor performs them. Same environment as the service.
 */
async function main(): Promise<void> {
  const program = new Command()
    .name('retry-parked')
    .description('Retry Odoo writes parked after a business failure (e.g. unknown SKU) now; the running writer performs them')
    .option('--order <orderId>', 'only this order')
    .parse();
  const { order } = program.opts<{ order?: string }>();
  const config = configFromEnv();
  await migrateOdooWriter(config.databaseUrl, config.schema);
  const logger = createLogger({ service: `${config.serviceName}-retry-parked`, level: config.logLevel });
  const pool = createDatabasePool({ connectionString: config.databaseUrl, max: 2, name: 'retry-parked', logger });
  try {
    const parked = new ParkedEffects(pool, new EffectStore(config.schema));
    const due = await parked.retryNow({ orderId: order });
    process.stdout.write(`${JSON.stringify({ madeDue: due, ...(await parked.summary(order)) })}\n`);
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`retry-parked failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
