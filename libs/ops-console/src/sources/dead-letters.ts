import { replayDeadLetters, type ReplayFilter, type ReplayReport } from '@retail-backbone/messaging';
import type { Kafka } from 'kafkajs';

/** `<topic>.dlq.<group>` (contracts' dlqTopic) split back into its parts. */
export interface DeadLetterTopic {
  name: string;
  sourceTopic: string;
  group: string;
}

const DLQ_PATTERN = /^(.+)\.dlq\.([A-Za-z0-9._-]+)$/;

export function parseDlqTopic(name: string): DeadLetterTopic | undefined {
  const match = DLQ_PATTERN.exec(name);
  return match ? { name, sourceTopic: match[1]!, group: match[2]! } : undefined;
}

export interface DeadLetter {
  dlqTopic: string;
  sourceTopic: string;
  group: string;
  dlqPartition: number;
  dlqOffset: string;
  key: string | null;
  originalPartition?: string;
  originalOffset?: string;
  errorClass?: string;
  errorMessage?: string;
}

/**
 * Dead letters are read and replayed with messaging's replayer (libs/messaging/src/dlq-replay.ts):
 * listing is its dry run, so what the console shows is exactly what a replay would re-publish.
 */
export class DeadLetters {
  constructor(private readonly kafka: Kafka) {}

  async topics(): Promise<DeadLetterTopic[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).map(parseDlqTopic).filter((t): t is DeadLetterTopic => t !== undefined).sort((a, b) => a.name.localeCompare(b.name));
    } finally {
      await admin.disconnect();
    }
  }

  /** Messages per DLQ topic (high minus low watermark: what the topic still holds). */
  async sizes(): Promise<Array<DeadLetterTopic & { size: number }>> {
    const topics = await this.topics();
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const out: Array<DeadLetterTopic & { size: number }> = [];
      for (const topic of topics) {
        const offsets = await admin.fetchTopicOffsets(topic.name);
        const size = offsets.reduce((sum, o) => sum + Number(BigInt(o.high) - BigInt(o.low)), 0);
        out.push({ ...topic, size });
      }
      return out;
    } finally {
      await admin.disconnect();
    }
  }

  async list(filter: ReplayFilter & { topic?: string } = { all: true }): Promise<DeadLetter[]> {
    const topics = (await this.sizes()).filter((t) => t.size > 0 && (!filter.topic || t.name === filter.topic));
    const out: DeadLetter[] = [];
    for (const topic of topics) {
      const { topic: _ignored, ...replayFilter } = filter;
      const report = await replayDeadLetters({ kafka: this.kafka, dlqTopic: topic.name, filter: replayFilter, dryRun: true });
      for (const item of report.items) {
        out.push({
          dlqTopic: topic.name,
          sourceTopic: item.originalTopic,
          group: topic.group,
          dlqPartition: item.dlqPartition,
          dlqOffset: item.dlqOffset,
          key: item.key,
          originalPartition: item.originalPartition,
          originalOffset: item.originalOffset,
          errorClass: item.errorClass,
          errorMessage: item.errorMessage,
        });
      }
    }
    return out;
  }

  replay(dlqTopic: string, filter: ReplayFilter): Promise<ReplayReport> {
    return replayDeadLetters({ kafka: this.kafka, dlqTopic, filter });
  }
}
