import { randomUUID } from 'node:crypto';
import { Partitioners, type IHeaders, type Kafka, type KafkaMessage, type Message } from 'kafkajs';
import { DLQ_HEADER_PREFIX, headerString, Headers } from './headers';

export interface ReplayFilter {
  /** Replay everything in the DLQ topic (required when no other filter is given). */
  all?: boolean;
  /** Substring of the error message, class or code. */
  error?: string;
  key?: string;
  partition?: number;
  /** DLQ offset of a single message (combine with `partition` when the topic has several). */
  offset?: string;
}

export interface ReplayOptions {
  kafka: Kafka;
  dlqTopic: string;
  filter: ReplayFilter;
  /** Report what would be replayed without producing. */
  dryRun?: boolean;
  /** Give up reading the DLQ after this long (default 30 s). */
  timeoutMs?: number;
}

export interface ReplayedItem {
  dlqPartition: number;
  dlqOffset: string;
  key: string | null;
  originalTopic: string;
  originalPartition: string | undefined;
  originalOffset: string | undefined;
  errorClass: string | undefined;
  errorMessage: string | undefined;
}

export interface ReplayReport {
  dlqTopic: string;
  scanned: number;
  matched: number;
  replayed: number;
  dryRun: boolean;
  /** Per original topic, how many messages were (or would be) re-published. */
  byTopic: Record<string, number>;
  items: ReplayedItem[];
}

export class ReplayFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayFilterError';
  }
}

function assertFilter(filter: ReplayFilter): void {
  const narrowed = filter.error !== undefined || filter.key !== undefined || filter.offset !== undefined || filter.partition !== undefined;
  if (!filter.all && !narrowed) throw new ReplayFilterError('choose what to replay: all, or a filter on error, key, partition or offset');
  if (filter.all && narrowed) throw new ReplayFilterError('"all" cannot be combined with a filter');
  if (filter.offset !== undefined && !/^\d+$/.test(filter.offset)) throw new ReplayFilterError(`offset must be a non-negative integer, got ${filter.offset}`);
}

export function matchesFilter(filter: ReplayFilter, partition: number, message: KafkaMessage): boolean {
  if (filter.all) return true;
  if (filter.partition !== undefined && filter.partition !== partition) return false;
  if (filter.offset !== undefined && filter.offset !== message.offset) return false;
  if (filter.key !== undefined && message.key?.toString() !== filter.key) return false;
  if (filter.error !== undefined) {
    const needle = filter.error.toLowerCase();
    const fields = [Headers.DLQ_ERROR_MESSAGE, Headers.DLQ_ERROR_CLASS, Headers.DLQ_ERROR_CODE].map((name) =>
      (headerString(message.headers, name) ?? '').toLowerCase(),
    );
    if (!fields.some((field) => field.includes(needle))) return false;
  }
  return true;
}

/**
 * The message as it was first published: same key, bytes and headers (so the same event id, and
 * the inbox still deduplicates), without the dlq-* headers, plus where it was replayed from.
 */
export function replayMessage(dlqTopic: string, partition: number, message: KafkaMessage): Message {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (!name.startsWith(DLQ_HEADER_PREFIX) && value !== undefined) headers[name] = value;
  }
  headers[Headers.REPLAYED_FROM] = `${dlqTopic}/${partition}/${message.offset}`;
  return { key: message.key, value: message.value, headers };
}

/** Reads every message present in the topic when called (up to each partition's end offset). */
async function readToEnd(kafka: Kafka, topic: string, timeoutMs: number): Promise<Array<{ partition: number; message: KafkaMessage }>> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `dlq-replay-${randomUUID()}`;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const remaining = new Map<number, bigint>();
    for (const { partition, high, low } of offsets) {
      if (BigInt(high) > BigInt(low)) remaining.set(partition, BigInt(high));
    }
    const read: Array<{ partition: number; message: KafkaMessage }> = [];
    if (remaining.size === 0) return read;
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out reading ${topic} after ${timeoutMs} ms`)), timeoutMs);
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const end = remaining.get(partition);
              if (end === undefined) return;
              if (BigInt(message.offset) < end) read.push({ partition, message });
              if (BigInt(message.offset) >= end - 1n) remaining.delete(partition);
              if (remaining.size === 0) {
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
    return read;
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

/** Re-publishes dead-lettered messages to their original topics and reports what it did. */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayReport> {
  assertFilter(options.filter);
  const dryRun = options.dryRun ?? false;
  const all = await readToEnd(options.kafka, options.dlqTopic, options.timeoutMs ?? 30_000);
  const matched = all.filter(({ partition, message }) => matchesFilter(options.filter, partition, message));
  const byTopic: Record<string, Message[]> = {};
  const items: ReplayedItem[] = [];
  for (const { partition, message } of matched) {
    const originalTopic = headerString(message.headers, Headers.DLQ_ORIGINAL_TOPIC);
    if (!originalTopic) continue;
    (byTopic[originalTopic] ??= []).push(replayMessage(options.dlqTopic, partition, message));
    items.push({
      dlqPartition: partition,
      dlqOffset: message.offset,
      key: message.key?.toString() ?? null,
      originalTopic,
      originalPartition: headerString(message.headers, Headers.DLQ_ORIGINAL_PARTITION),
      originalOffset: headerString(message.headers, Headers.DLQ_ORIGINAL_OFFSET),
      errorClass: headerString(message.headers, Headers.DLQ_ERROR_CLASS),
      errorMessage: headerString(message.headers, Headers.DLQ_ERROR_MESSAGE),
    });
  }
  if (!dryRun && items.length > 0) {
    const producer = options.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      await producer.sendBatch({
        acks: -1,
        topicMessages: Object.entries(byTopic).map(([topic, messages]) => ({ topic, messages })),
      });
    } finally {
      await producer.disconnect();
    }
  }
  return {
    dlqTopic: options.dlqTopic,
    scanned: all.length,
    matched: matched.length,
    replayed: dryRun ? 0 : items.length,
    dryRun,
    byTopic: Object.fromEntries(Object.entries(byTopic).map(([topic, messages]) => [topic, messages.length])),
    items,
  };
}
