import { postgresConnection } from '@retail-backbone/connections';
import { Command } from 'commander';
import { EventSerde } from '@retail-backbone/contracts';
import { createKafka } from '@retail-backbone/messaging';
import { createLogger } from '@retail-backbone/observability';
import pg from 'pg';
import { configFromEnv } from '../config';
import { rebuildAndCompare } from '../rebuild/rebuild';

/**
 * Replays the topics into a fresh schema and diffs it against the live projection.
 * Exit codes: 0 match, 1 mismatch, 2 the rebuild could not run.
 */
async function main(): Promise<number> {
  const program = new Command()
    .name('rebuild')
    .description('Replay the input topics into a fresh projection schema and compare it with the live one')
    .option('--keep', 'keep the rebuilt schema (<DB_SCHEMA>_rebuild) for inspection')
    .option('--timeout-ms <ms>', 'give up replaying after this long', (v) => Number.parseInt(v, 10), 600_000)
    .option('--max-diff <n>', 'differences to print', (v) => Number.parseInt(v, 10), 50)
    .parse();
  const opts = program.opts<{ keep?: boolean; timeoutMs: number; maxDiff: number }>();
  const config = configFromEnv();
  const logger = createLogger({ service: `${config.service}-rebuild`, level: config.logLevel });
  const pool = new pg.Pool({ ...postgresConnection(config.databaseUrl), max: 2 });
  try {
    const report = await rebuildAndCompare({
      pool,
      kafka: createKafka({ brokers: config.kafkaBrokers, clientId: `${config.service}-rebuild`, logger }),
      serde: new EventSerde({ registryUrl: config.schemaRegistryUrl }),
      schema: config.schema,
      service: config.service,
      defaultPolicy: config.defaultPolicy,
      logger,
      keep: opts.keep,
      timeoutMs: opts.timeoutMs,
    });
    const { differences, ...summary } = report;
    process.stdout.write(`${JSON.stringify({ ...summary, differences: differences.length }, null, 2)}\n`);
    for (const d of differences.slice(0, opts.maxDiff)) {
      const show = (v: { onHand: number; reserved: number } | null) => (v ? `onHand=${v.onHand} reserved=${v.reserved}` : 'absent');
      process.stdout.write(`DIFF ${d.key}: live ${show(d.live)} | rebuilt ${show(d.rebuilt)}\n`);
    }
    return report.matches ? 0 : 1;
  } finally {
    await pool.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`rebuild failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
