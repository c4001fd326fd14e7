import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CommittedOffset {
  offset: number;
  metadata: string | null;
}

type Persisted = Record<string, Record<string, Record<string, CommittedOffset>>>;

const FILE = 'group-offsets.json';
/** Commits arrive after every consumed batch; writing at most this often keeps that cheap. */
const SAVE_DELAY_MS = 50;

/** Committed offsets per group, topic and partition; saved to the data dir when there is one. */
export class OffsetStore {
  private readonly groups = new Map<string, Map<string, Map<number, CommittedOffset>>>();
  private saveTimer: NodeJS.Timeout | null = null;

  constructor(private readonly dataDir: string | undefined) {
    if (!dataDir) return;
    const file = path.join(dataDir, FILE);
    if (!fs.existsSync(file)) return;
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as Persisted;
    for (const [group, topics] of Object.entries(data)) {
      for (const [topic, partitions] of Object.entries(topics)) {
        for (const [p, c] of Object.entries(partitions)) this.set(group, topic, Number(p), c, false);
      }
    }
  }

  set(group: string, topic: string, partition: number, committed: CommittedOffset, save = true): void {
    let topics = this.groups.get(group);
    if (!topics) this.groups.set(group, (topics = new Map()));
    let partitions = topics.get(topic);
    if (!partitions) topics.set(topic, (partitions = new Map()));
    partitions.set(partition, committed);
    if (save) this.scheduleSave();
  }

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(group)?.get(topic)?.get(partition);
  }

  /** Every committed offset of a group, topic by topic. */
  all(group: string): Map<string, Map<number, CommittedOffset>> {
    return this.groups.get(group) ?? new Map();
  }

  has(group: string): boolean {
    return this.groups.has(group);
  }

  groupIds(): string[] {
    return [...this.groups.keys()];
  }

  deleteGroup(group: string): void {
    if (this.groups.delete(group)) this.scheduleSave();
  }

  deleteTopic(topic: string): void {
    for (const topics of this.groups.values()) topics.delete(topic);
    this.scheduleSave();
  }

  private scheduleSave(): void {
    if (!this.dataDir || this.saveTimer) return;
    this.saveTimer = setTimeout(() => this.flush(), SAVE_DELAY_MS);
  }

  flush(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    if (!this.dataDir) return;
    const out: Persisted = {};
    for (const [group, topics] of this.groups) {
      const t: Persisted[string] = (out[group] = {});
      for (const [topic, partitions] of topics) t[topic] = Object.fromEntries(partitions);
    }
    const tmp = path.join(this.dataDir, `${FILE}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(out));
    fs.renameSync(tmp, path.join(this.dataDir, FILE));
  }
}
