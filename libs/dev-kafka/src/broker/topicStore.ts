import * as fs from 'node:fs';
import * as path from 'node:path';
import { ErrorCode } from '../protocol/errors';
import { PartitionLog } from '../storage/partitionLog';
import { SegmentFile } from '../storage/segmentFile';
import { effectivePolicy, validateTopicConfigs, type EffectivePolicy } from '../storage/topicConfig';

export interface Topic {
  name: string;
  configs: Record<string, string>;
  policy: EffectivePolicy;
  partitions: PartitionLog[];
}

/** A failed topic operation carrying the protocol error code to answer with. */
export class TopicError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'TopicError';
  }
}

const LEGAL_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const META_FILE = 'topics.json';

type TopicMeta = Record<string, { partitions: number; configs: Record<string, string> }>;

export function checkTopicName(name: string): void {
  if (!LEGAL_NAME.test(name) || name === '.' || name === '..') {
    throw new TopicError(ErrorCode.INVALID_TOPIC_EXCEPTION, `illegal topic name "${name}"`);
  }
}

/** Every topic's partitions and configs; with a data dir, their layout survives restarts. */
export class TopicStore {
  readonly topics = new Map<string, Topic>();

  constructor(private readonly dataDir: string | undefined) {
    if (!dataDir) return;
    fs.mkdirSync(dataDir, { recursive: true });
    const metaPath = path.join(dataDir, META_FILE);
    if (!fs.existsSync(metaPath)) return;
    const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8')) as TopicMeta;
    for (const [name, t] of Object.entries(meta)) this.build(name, t.partitions, t.configs);
  }

  private logFor(topic: string, partition: number): PartitionLog {
    const file = this.dataDir ? new SegmentFile(path.join(this.dataDir, 'logs', `${topic}-${partition}`)) : null;
    return new PartitionLog(file);
  }

  private build(name: string, partitions: number, configs: Record<string, string>): Topic {
    const topic: Topic = {
      name,
      configs,
      policy: effectivePolicy(configs),
      partitions: Array.from({ length: partitions }, (_, i) => this.logFor(name, i)),
    };
    this.topics.set(name, topic);
    return topic;
  }

  /** Checks everything create() would, without creating. */
  validateCreate(name: string, partitions: number, configs: Record<string, string>): void {
    checkTopicName(name);
    if (this.topics.has(name)) throw new TopicError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic "${name}" already exists`);
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new TopicError(ErrorCode.INVALID_PARTITIONS, `partition count must be at least 1, got ${partitions}`);
    }
    try {
      validateTopicConfigs(configs);
    } catch (err) {
      throw new TopicError(ErrorCode.INVALID_CONFIG, (err as Error).message);
    }
  }

  create(name: string, partitions: number, configs: Record<string, string>): Topic {
    this.validateCreate(name, partitions, configs);
    const topic = this.build(name, partitions, configs);
    this.saveMeta();
    return topic;
  }

  delete(name: string): void {
    const topic = this.topics.get(name);
    if (!topic) throw new TopicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic "${name}"`);
    this.topics.delete(name);
    for (const p of topic.partitions) p.destroy();
    this.saveMeta();
  }

  addPartitions(name: string, count: number, validateOnly: boolean): void {
    const topic = this.topics.get(name);
    if (!topic) throw new TopicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic "${name}"`);
    if (count <= topic.partitions.length) {
      throw new TopicError(
        ErrorCode.INVALID_PARTITIONS,
        `topic "${name}" has ${topic.partitions.length} partitions; the new count must be larger`,
      );
    }
    if (validateOnly) return;
    for (let i = topic.partitions.length; i < count; i++) topic.partitions.push(this.logFor(name, i));
    this.saveMeta();
  }

  /** Replaces a topic's configs (validated first); retention and compaction follow the new policy from the next clean. */
  setConfigs(name: string, configs: Record<string, string>, validateOnly: boolean): void {
    const topic = this.topics.get(name);
    if (!topic) throw new TopicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic "${name}"`);
    try {
      validateTopicConfigs(configs);
    } catch (err) {
      throw new TopicError(ErrorCode.INVALID_CONFIG, (err as Error).message);
    }
    if (validateOnly) return;
    topic.configs = configs;
    topic.policy = effectivePolicy(configs);
    this.saveMeta();
  }

  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  /** Applies retention and compaction to every partition whose policy asks for it. */
  clean(now: number): void {
    for (const topic of this.topics.values()) {
      for (const p of topic.partitions) {
        if (topic.policy.compact && p.dirty) p.compact(topic.policy, now);
        if (topic.policy.delete) p.applyRetention(topic.policy, now);
      }
    }
  }

  private saveMeta(): void {
    if (!this.dataDir) return;
    const meta: TopicMeta = {};
    for (const t of this.topics.values()) meta[t.name] = { partitions: t.partitions.length, configs: t.configs };
    const tmp = path.join(this.dataDir, `${META_FILE}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(meta, null, 2));
    fs.renameSync(tmp, path.join(this.dataDir, META_FILE));
  }

  close(): void {
    for (const t of this.topics.values()) for (const p of t.partitions) p.close();
  }
}
