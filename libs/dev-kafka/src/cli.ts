import { Command, InvalidArgumentError } from 'commander';
import { startBroker, type BrokerOptions } from './index';

const LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

const program = new Command()
  .name('dev-kafka')
  .description('Single-node Kafka-wire-protocol broker for development and CI')
  .option('--host <host>', 'address to listen on and advertise', '127.0.0.1')
  .option('--port <port>', 'port, 0 for a free one', integer('port', 0), 9092)
  .option('--data-dir <dir>', 'persist topics, logs and committed offsets here (default: in memory)')
  .option('--partitions <n>', 'partitions for auto-created topics', integer('partitions', 1), 3)
  .option('--no-auto-create-topics', 'answer unknown topics with UNKNOWN_TOPIC_OR_PARTITION instead of creating them')
  .option('--log-level <level>', `one of ${LEVELS.join(', ')}`, (v: string) => {
    if (!(LEVELS as readonly string[]).includes(v)) throw new InvalidArgumentError(`log level must be one of ${LEVELS.join(', ')}`);
    return v as (typeof LEVELS)[number];
  }, 'info');

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<{ host: string; port: number; dataDir?: string; partitions: number; autoCreateTopics: boolean; logLevel: BrokerOptions['logLevel'] }>();
  const broker = await startBroker({
    host: o.host,
    port: o.port,
    dataDir: o.dataDir,
    defaultPartitions: o.partitions,
    autoCreateTopics: o.autoCreateTopics,
    logLevel: o.logLevel,
  });
  process.stdout.write(`KAFKA_BROKERS=${broker.bootstrap}\nREADY\n`);
  const shutdown = () => {
    broker.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'shutdown failed', error: String(err) })}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'broker failed to start', error: (err as Error).message })}\n`);
  process.exit(1);
});
