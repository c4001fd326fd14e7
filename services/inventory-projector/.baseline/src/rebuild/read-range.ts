import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

/** Last offset to read (inclusive) per topic and partition. */
export type OffsetTargets = Map<string, Map<number, bigint>>;

/**
 * Reads every listed partition from its beginning up to its target offset, in offset order per
 * partition, with a throw-away consumer group (deleted afterwards) so no live group is touched.
 */
export async function readRange(
  kafka: Kafka,
  targets: OffsetTargets,
  onMessage: (topic: string, partition: number, message: KafkaMessage) => Promise<void>,
  timeoutMs = 120_000,
): Promise<void> {
  const pending = new Set<string>();
  for (const [topic, partitions] of targets) for (const [partition, offset] of partitions) if (offset >= 0n) pending.add(`${topic}/${partition}`);
  if (pending.size === 0) return;
  const groupId = `inventory-projector-rebuild-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...targets.keys()], fromBeginning: true });
    let failed: unknown;
    const finished = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`replay did not reach the target offsets within ${timeoutMs} ms (left: ${[...pending].join(', ')})`)), timeoutMs);
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const target = targets.get(batch.topic)?.get(batch.partition);
          const id = `${batch.topic}/${batch.partition}`;
          if (target === undefined || !pending.has(id)) return;
          try {
            for (const message of batch.messages) {
              if (BigInt(message.offset) > target) break;
              await onMessage(batch.topic, batch.partition, message);
              if (BigInt(message.offset) === target) break;
            }
          } catch (error) {
            failed = error;
            clearTimeout(timer);
            reject(error);
            return;
          }
          const last = batch.messages[batch.messages.length - 1];
          if (last && BigInt(last.offset) >= target) pending.delete(id);
          if (pending.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await finished;
    if (failed) throw failed;
  } finally {
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

/** Targets reaching the current end of each partition of `topic`. */
export async function endTargets(kafka: Kafka, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.high) - 1n]));
  } finally {
    await admin.disconnect();
  }
}
