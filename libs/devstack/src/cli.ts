import { Command } from 'commander';
import { defaultDataDir, startDevStack } from './devstack';
import { jsonLogger, stderrSink } from './log';

const program = new Command()
  .name('devstack')
  .description('Start the embedded development stack: PostgreSQL, schema registry and Kafka broker')
  .option('--data-dir <dir>', 'where kept data lives', defaultDataDir())
  .option('--fresh', 'discard kept data before starting', false)
  .option('--no-kafka', 'do not start the dev Kafka broker')
  .parse();

const opts = program.opts<{ dataDir: string; fresh: boolean; kafka: boolean }>();
const log = jsonLogger(stderrSink, 'devstack-cli');

async function main(): Promise<void> {
  const stack = await startDevStack({ dataDir: opts.dataDir, persistent: true, fresh: opts.fresh, kafka: opts.kafka, log: stderrSink });
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      log('warn', 'second signal, exiting without waiting', { signal });
      process.exit(130);
    }
    stopping = true;
    log('info', 'stopping', { signal });
    stack.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log('error', 'stop failed', { error: (err as Error).message });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  for (const [name, value] of Object.entries(stack.env)) process.stdout.write(`${name}=${value}\n`);
  process.stdout.write(`Started in ${stack.startupMs} ms\nREADY\n`);
}

main().catch((err: unknown) => {
  log('error', 'dev stack failed to start', { error: (err as Error).message });
  process.exit(1);
});
