import { dlqTopic } from '@retail-backbone/contracts';
import { createLogger } from '@retail-backbone/observability';
import { Command, InvalidArgumentError } from 'commander';
import { replayDeadLetters, type ReplayFilter } from '../dlq-replay';
import { createKafka } from '../kafka';

function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a non-negative integer');
  return Number(value);
}

function offsetString(value: string): string {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a non-negative integer');
  return value;
}

interface CliOptions {
  brokers?: string;
  dlqTopic?: string;
  topic?: string;
  group?: string;
  all?: boolean;
  error?: string;
  key?: string;
  partition?: number;
  offset?: string;
  dryRun?: boolean;
  timeoutMs: number;
}

export function buildCommand(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Command {
  return new Command('replay-dlq')
    .description('Re-publish dead-lettered messages to their original topic (same bytes and event id, so the inbox still deduplicates)')
    .option('--brokers <list>', 'comma-separated Kafka brokers (default: KAFKA_BROKERS)')
    .option('--dlq-topic <name>', 'the dead-letter topic to read')
    .option('--topic <name>', 'source topic (with --group instead of --dlq-topic)')
    .option('--group <id>', 'consumer group whose dead letters to replay (with --topic)')
    .option('--all', 'replay every message')
    .option('--error <text>', 'only messages whose error message, class or code contains this text')
    .option('--key <key>', 'only messages with this key')
    .option('--partition <n>', 'only messages of this DLQ partition', nonNegativeInt)
    .option('--offset <n>', 'only the message at this DLQ offset', offsetString)
    .option('--dry-run', 'report what would be replayed without producing')
    .option('--timeout-ms <n>', 'give up reading after this long', nonNegativeInt, 30_000)
    .action(async (options: CliOptions, command: Command) => {
      const brokers = (options.brokers ?? process.env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
      if (brokers.length === 0) command.error('no brokers: pass --brokers or set KAFKA_BROKERS');
      let topic = options.dlqTopic;
      if (!topic) {
        if (!options.topic || !options.group) command.error('pass --dlq-topic, or --topic together with --group');
        topic = dlqTopic(options.topic!, options.group!);
      }
      const filter: ReplayFilter = {
        all: options.all,
        error: options.error,
        key: options.key,
        partition: options.partition,
        offset: options.offset,
      };
      const logger = createLogger({ service: 'replay-dlq', stream: process.stderr });
      const report = await replayDeadLetters({
        kafka: createKafka({ brokers, clientId: 'replay-dlq', logger }),
        dlqTopic: topic,
        filter,
        dryRun: options.dryRun,
        timeoutMs: options.timeoutMs,
      });
      write(JSON.stringify(report, null, 2));
    });
}

if (require.main === module) {
  buildCommand()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      process.stderr.write(`replay-dlq failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
