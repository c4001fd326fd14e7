/**
 * `pnpm --filter @retail-backbone/contracts provision`: creates the catalog's topics and the DLQ
 * topics of its consumer groups on KAFKA_BROKERS and registers every schema on
 * SCHEMA_REGISTRY_URL. Safe to run on every deploy (the Helm chart's hook Job runs it).
 */
import { kafkaSecurityFromEnv } from '@retail-backbone/connections';
import { Command } from 'commander';
import { Kafka, logLevel } from 'kafkajs';
import { provisionSchemas, provisionTopics, replicationSettings } from '../provision';
import { EventSerde } from '../serde';

const program = new Command()
  .name('provision')
  .description('Create the catalog topics and register all event schemas (idempotent)')
  .option('--brokers <list>', 'comma-separated bootstrap brokers', process.env.KAFKA_BROKERS)
  .option('--registry <url>', 'schema registry URL', process.env.SCHEMA_REGISTRY_URL)
  .option('--replication-factor <n>', 'replication factor of new topics', process.env.KAFKA_REPLICATION_FACTOR ?? '1')
  .option('--min-insync-replicas <n>', 'min.insync.replicas of new topics (default: one below the replication factor, at least 1)', process.env.KAFKA_MIN_INSYNC_REPLICAS)
  .option('--dlq <topic:group...>', "also create the DLQ topic of a consumer group for a source topic, e.g. retail.orders.v1:odoo-writer")
  .option('--skip-topics', 'only register schemas')
  .option('--skip-schemas', 'only create topics')
  .action(async (opts: { brokers?: string; registry?: string; replicationFactor: string; minInsyncReplicas?: string; dlq?: string[]; skipTopics?: boolean; skipSchemas?: boolean }) => {
    if (!opts.skipTopics) {
      if (!opts.brokers) throw new Error('set KAFKA_BROKERS or --brokers');
      const replicationFactor = Number(opts.replicationFactor);
      if (!Number.isInteger(replicationFactor) || replicationFactor < 1) throw new Error(`--replication-factor must be a positive integer (got '${opts.replicationFactor}')`);
      const minInsync = opts.minInsyncReplicas === undefined || opts.minInsyncReplicas === '' ? Math.max(1, replicationFactor - 1) : Number(opts.minInsyncReplicas);
      const replication = replicationSettings({ replicationFactor, minInsyncReplicas: minInsync });
      const dlqs = (opts.dlq ?? []).map((spec) => {
        const [topic, group] = spec.split(':');
        if (!topic || !group) throw new Error(`--dlq ${spec}: expected <topic>:<group>`);
        return { topic, group };
      });
      const kafka = new Kafka({ clientId: 'contracts-provision', brokers: opts.brokers.split(','), logLevel: logLevel.NOTHING, ...kafkaSecurityFromEnv() });
      const admin = kafka.admin();
      await admin.connect();
      try {
        for (const action of await provisionTopics(admin, replication, dlqs)) {
          const line = { msg: 'topic', ...action };
          if (action.action === 'partition_mismatch') console.error(JSON.stringify({ ...line, level: 'warn', note: 'not changed automatically: raising partitions moves keys' }));
          else console.log(JSON.stringify(line));
        }
      } finally {
        await admin.disconnect();
      }
    }
    if (!opts.skipSchemas) {
      if (!opts.registry) throw new Error('set SCHEMA_REGISTRY_URL or --registry');
      const serde = new EventSerde({ registryUrl: opts.registry });
      for (const registered of await provisionSchemas(serde)) console.log(JSON.stringify({ msg: 'schema', ...registered }));
    }
  });

program.parseAsync().catch((error: unknown) => {
  console.error(JSON.stringify({ msg: 'provision failed', level: 'error', error: error instanceof Error ? error.message : String(error) }));
  process.exitCode = 1;
});
