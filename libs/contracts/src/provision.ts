/**
 * Deploy-time provisioning: topics from the catalog and their DLQ topics (kafkajs admin) and every
 * schema in the registry. Idempotent: existing topics are left alone (partition counts are never
 * raised automatically, since that would move keys to other partitions and break per-key order).
 */
import type { Admin, ITopicConfig } from 'kafkajs';
import { DLQ_RETENTION_MS, DLQ_TOPICS, dlqTopic, getTopic, TOPICS, type TopicDefinition } from './topics';
import type { EventSerde, RegisteredSubject } from './serde';

export interface TopicAction {
  topic: string;
  action: 'created' | 'exists' | 'partition_mismatch';
  partitions: number;
  expectedPartitions: number;
}

/**
 * Replication of new topics. With acks=all a write is acknowledged once min.insync.replicas
 * replicas have it, so on three brokers 3/2 survives one broker down without losing an
 * acknowledged event; locally (one broker) both are 1.
 */
export interface ReplicationSettings {
  replicationFactor: number;
  minInsyncReplicas: number;
}

export class ReplicationSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplicationSettingsError';
  }
}

/** A bare number is a replication factor with min.insync.replicas one below it (at least 1). */
export function replicationSettings(value: number | ReplicationSettings): ReplicationSettings {
  const settings = typeof value === 'number' ? { replicationFactor: value, minInsyncReplicas: Math.max(1, value - 1) } : value;
  const { replicationFactor, minInsyncReplicas } = settings;
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
    throw new ReplicationSettingsError(`replication factor must be a positive integer (got ${replicationFactor})`);
  }
  if (!Number.isInteger(minInsyncReplicas) || minInsyncReplicas < 1 || minInsyncReplicas > replicationFactor) {
    throw new ReplicationSettingsError(
      `min.insync.replicas must be an integer from 1 to the replication factor ${replicationFactor} (got ${minInsyncReplicas})`,
    );
  }
  return settings;
}

function replicationEntries(settings: ReplicationSettings): Array<{ name: string; value: string }> {
  return [{ name: 'min.insync.replicas', value: String(settings.minInsyncReplicas) }];
}

export function topicConfig(topic: TopicDefinition, replication: number | ReplicationSettings): ITopicConfig {
  const settings = replicationSettings(replication);
  const configEntries = [
    { name: 'cleanup.policy', value: topic.cleanupPolicy },
    { name: 'retention.ms', value: String(topic.retentionMs) },
    ...replicationEntries(settings),
  ];
  return { topic: topic.name, numPartitions: topic.partitions, replicationFactor: settings.replicationFactor, configEntries };
}

/**
 * A consumer group's dead-letter topic for one source topic: as many partitions as the source, so a
 * replay keeps each key on one partition; plain deletion with DLQ retention.
 */
export function dlqTopicConfig(sourceTopic: string, group: string, replication: number | ReplicationSettings): ITopicConfig {
  const source = getTopic(sourceTopic);
  const settings = replicationSettings(replication);
  return {
    topic: dlqTopic(source.name, group),
    numPartitions: source.partitions,
    replicationFactor: settings.replicationFactor,
    configEntries: [
      { name: 'cleanup.policy', value: 'delete' },
      { name: 'retention.ms', value: String(DLQ_RETENTION_MS) },
      ...replicationEntries(settings),
    ],
  };
}

/** Creates the missing topics among `configs` and reports on the existing ones. */
export async function ensureTopics(admin: Admin, configs: readonly ITopicConfig[]): Promise<TopicAction[]> {
  const existing = new Set(await admin.listTopics());
  const missing = configs.filter((config) => !existing.has(config.topic));
  if (missing.length > 0) await admin.createTopics({ topics: [...missing], waitForLeaders: true });
  const present = configs.filter((config) => existing.has(config.topic));
  const metadata = present.length > 0 ? await admin.fetchTopicMetadata({ topics: present.map((c) => c.topic) }) : { topics: [] };
  const partitionsOf = new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
  return configs.map((config) => {
    const expectedPartitions = config.numPartitions ?? 1;
    if (!existing.has(config.topic)) return { topic: config.topic, action: 'created', partitions: expectedPartitions, expectedPartitions };
    const partitions = partitionsOf.get(config.topic) ?? 0;
    return { topic: config.topic, action: partitions === expectedPartitions ? 'exists' : 'partition_mismatch', partitions, expectedPartitions };
  });
}

/**
 * Creates the catalog topics, the DLQ topic of every consumer group in the catalog and, for each
 * extra `{ topic, group }` (a group renamed by configuration), that group's DLQ topic.
 */
export async function provisionTopics(
  admin: Admin,
  replication: number | ReplicationSettings,
  extraDlqs: ReadonlyArray<{ topic: string; group: string }> = [],
): Promise<TopicAction[]> {
  const settings = replicationSettings(replication);
  const dlqs = new Map(DLQ_TOPICS.map((d) => [d.name, { topic: d.sourceTopic as string, group: d.group }]));
  for (const extra of extraDlqs) dlqs.set(dlqTopic(extra.topic, extra.group), extra);
  return ensureTopics(admin, [
    ...TOPICS.map((topic) => topicConfig(topic, settings)),
    ...[...dlqs.values()].map(({ topic, group }) => dlqTopicConfig(topic, group, settings)),
  ]);
}

export async function provisionSchemas(serde: EventSerde): Promise<RegisteredSubject[]> {
  return serde.registerAll();
}
