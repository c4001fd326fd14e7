import { Command, Option } from 'commander';
import { defaultDataDir, KAFKA_KINDS, kafkaKindFromEnv, startDevStack, type KafkaKind } from './devstack';
import { ApacheKafkaUnavailable } from './kafka/apache-broker';
import { jsonLogger, stderrSink } from './log';

const program = new Command()
  .name('devstack')
  .description('Start the embedded development stack: PostgreSQL, schema registry and Kafka broker')
  .option('--data-dir <dir>', 'where kept data lives', defaultDataDir())
  .option('--fresh', 'discard kept data before starting', false)
  .addOption(new Option('--kafka <kind>', 'which broker to run: the dev broker or Apache Kafka (Java 17+ and Maven)').choices([...KAFKA_KINDS]))
  .option('--no-kafka', 'do not start a Kafka broker')
  .parse();

const opts = program.opts<{ dataDir: string; fresh: boolean; kafka?: KafkaKind | false }>();
const log = jsonLogger(stderrSink, 'devstack-cli');

async function main(): Promise<void> {
  const stack = await startDevStack({
    dataDir: opts.dataDir,
    persistent: true,
    fresh: opts.fresh,
    kafka: opts.kafka !== false,
    broker: typeof opts.kafka === 'string' ? opts.kafka : kafkaKindFromEnv(),
    log: stderrSink,
  });
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
  if (stack.broker) process.stdout.write(`Kafka broker: ${stack.broker} (ready in ${stack.brokerStartupMs} ms)\n`);
  process.stdout.write(`Started in ${stack.startupMs} ms\nREADY\n`);
}

main().catch((err: unknown) => {
  // Missing Java or Maven: one line that says what to install.
  if (err instanceof ApacheKafkaUnavailable) {
    process.stderr.write(`devstack: ${err.message}\n`);
    process.exit(2);
  }
  log('error', 'dev stack failed to start', { error: (err as Error).message });
  process.exit(1);
});
