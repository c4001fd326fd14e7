/** Reads a topic from its start to the high watermark seen when the read begins (bounded). */
import { EventSerde, type DecodedEvent } from '@retail-backbone/contracts';
import type { Admin, Kafka } from 'kafkajs';

export interface TopicRecord {
  partition: number;
  offset: number;
  key: string;
  /** null: the bytes did not decode (a poisoned message). */
  event: DecodedEvent | null;
}

export async function readTopic(kafka: Kafka, admin: Admin, serde: EventSerde, topic: string, timeoutMs = 120_000): Promise<TopicRecord[]> {
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  const pending = new Set([...ends].filter(([, high]) => high > 0).map(([p]) => p));
  const records: TopicRecord[] = [];
  if (pending.size === 0) return records;
  const consumer = kafka.consumer({ groupId: `chaos-reader-${topic}-${Date.now()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${topic}: not read to its end within ${timeoutMs} ms`)), timeoutMs);
      void consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              const offset = Number(message.offset);
              if (offset >= (ends.get(batch.partition) ?? 0)) continue;
              let event: DecodedEvent | null = null;
              try {
                event = message.value ? await serde.decode(message.value, { topic }) : null;
              } catch {
                event = null;
              }
              records.push({ partition: batch.partition, offset, key: message.key?.toString() ?? '', event });
              if (offset + 1 >= (ends.get(batch.partition) ?? 0)) pending.delete(batch.partition);
            }
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}
