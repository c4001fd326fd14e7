/**
 * Deploy-time provisioning: topics from the catalog (kafkajs admin) and every schema in the
 * registry. Idempotent: existing topics are left alone (partition counts are never raised
 * automatically, since that would move keys to other partitions and break per-key order).
 */
import type { Admin, ITopicConfig } from 'kafkajs';
import { DLQ_RETENTION_MS, dlqTopic, getTopic, TOPICS, type TopicDefinition } from './topics';
import type { EventSerde, RegisteredSubject } from './serde';

export interface TopicAction {
  topic: string;
  action: 'created' | 'exists' | 'partition_mismatch';
  partitions: number;
  expectedPartitions: number;
}

export function topicConfig(topic: TopicDefinition, replicationFactor: number): ITopicConfig {
  const configEntries = [
    { name: 'cleanup.policy', value: topic.cleanupPolicy },
    { name: 'retention.ms', value: String(topic.retentionMs) },
  ];
  if (replicationFactor > 1) configEntries.push({ name: 'min.insync.replicas', value: String(replicationFactor - 1) });
  return { topic: topic.name, numPartitions: topic.partitions, replicationFactor, configEntries };
}

/**
 * A consumer group's dead-letter topic for one source topic: as many partitions as the source, so a
 * replay keeps each key on one partition; plain deletion with DLQ retention.
 */
export function dlqTopicConfig(sourceTopic: string, group: string, replicationFactor: number): ITopicConfig {
  const source = getTopic(sourceTopic);
  return {
    topic: dlqTopic(source.name, group),
    numPartitions: source.partitions,
    replicationFactor,
    configEntries: [
      { name: 'cleanup.policy', value: 'delete' },
      { name: 'retention.ms', value: String(DLQ_RETENTION_MS) },
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

/** Creates the catalog topics and, for each `{ topic, group }`, that group's DLQ topic. */
export async function provisionTopics(
  admin: Admin,
  replicationFactor: number,
  dlqs: ReadonlyArray<{ topic: string; group: string }> = [],
): Promise<TopicAction[]> {
  return ensureTopics(admin, [
    ...TOPICS.map((topic) => topicConfig(topic, replicationFactor)),
    ...dlqs.map(({ topic, group }) => dlqTopicConfig(topic, group, replicationFactor)),
  ]);
}

export async function provisionSchemas(serde: EventSerde): Promise<RegisteredSubject[]> {
  return serde.registerAll();
}
