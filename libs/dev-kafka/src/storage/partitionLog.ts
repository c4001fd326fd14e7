import { ErrorCode } from '../protocol/errors';
import {
  batchBaseOffset,
  isControlBatch,
  readRecords,
  rebuildBatch,
  setBatchBaseOffset,
  type BatchInfo,
  type RecordView,
} from './recordBatch';
import type { SegmentFile } from './segmentFile';
import type { EffectivePolicy } from './topicConfig';

export interface ReadResult {
  errorCode: number;
  batches: Buffer[];
}

/**
 * A partition's log kept as the producers' batches, indexed by base and last offset, so appends
 * and reads never touch individual records.
 */
export class PartitionLog {
  private batches: Buffer[] = [];
  private bases: number[] = [];
  private lasts: number[] = [];
  private maxTimestamps: number[] = [];
  private bytes = 0;
  logStartOffset = 0;
  logEndOffset = 0;
  /** Set by appends, cleared by compaction: nothing new means nothing to compact. */
  dirty = false;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly file: SegmentFile | null) {
    if (!file) return;
    const { batches, marks } = file.load();
    for (const b of batches) this.index(b.buf, b.lastOffsetDelta, b.maxTimestamp);
    this.logStartOffset = Math.max(marks.logStartOffset, this.bases[0] ?? marks.logStartOffset);
    const lastIndexed = this.lasts.at(-1);
    this.logEndOffset = Math.max(marks.logEndOffset, lastIndexed === undefined ? 0 : lastIndexed + 1, this.logStartOffset);
    this.dirty = batches.length > 0;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  private index(buf: Buffer, lastOffsetDelta: number, maxTimestamp: number): void {
    const base = batchBaseOffset(buf);
    this.batches.push(buf);
    this.bases.push(base);
    this.lasts.push(base + lastOffsetDelta);
    this.maxTimestamps.push(maxTimestamp);
    this.bytes += buf.length;
  }

  /** Assigns the batch its offsets and stores it as received; returns its base offset. */
  append(batch: BatchInfo): number {
    const base = this.logEndOffset;
    setBatchBaseOffset(batch.buf, base);
    this.index(batch.buf, batch.lastOffsetDelta, batch.maxTimestamp);
    this.logEndOffset = base + batch.lastOffsetDelta + 1;
    this.file?.append(batch.buf);
    this.dirty = true;
    for (const l of [...this.listeners]) l();
    return base;
  }

  /** Called after each append until the returned function unsubscribes. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** First batch whose last offset is at or after `offset`. */
  private locate(offset: number): number {
    let lo = 0;
    let hi = this.lasts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.lasts[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Whole batches from `offset`, at least one even when larger than maxBytes. */
  read(offset: number, maxBytes: number): ReadResult {
    if (offset < this.logStartOffset || offset > this.logEndOffset) {
      return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, batches: [] };
    }
    const out: Buffer[] = [];
    let size = 0;
    for (let i = this.locate(offset); i < this.batches.length; i++) {
      const b = this.batches[i]!;
      if (out.length > 0 && size + b.length > maxBytes) break;
      out.push(b);
      size += b.length;
    }
    return { errorCode: ErrorCode.NONE, batches: out };
  }

  /** Bytes a read from `offset` could return right now, for Fetch's minBytes. */
  availableBytes(offset: number): number {
    if (offset >= this.logEndOffset || offset < this.logStartOffset) return 0;
    let size = 0;
    for (let i = this.locate(offset); i < this.batches.length && size < 1 << 20; i++) size += this.batches[i]!.length;
    return size;
  }

  /** Earliest offset whose record timestamp is at least `timestamp`, or null when none is. */
  offsetForTimestamp(timestamp: number): { offset: number; timestamp: number } | null {
    const i = this.maxTimestamps.findIndex((t) => t >= timestamp);
    if (i < 0) return null;
    const buf = this.batches[i]!;
    const records = readRecords(buf);
    const hit = records?.find((r) => r.timestamp >= timestamp);
    if (hit) return { offset: hit.offset, timestamp: hit.timestamp };
    return { offset: this.bases[i]!, timestamp: this.maxTimestamps[i]! };
  }

  /** Drops batches wholly older than retention.ms or beyond retention.bytes; true when any went. */
  applyRetention(policy: EffectivePolicy, now: number): boolean {
    let drop = 0;
    let remaining = this.bytes;
    while (drop < this.batches.length) {
      const tooOld = policy.retentionMs >= 0 && this.maxTimestamps[drop]! < now - policy.retentionMs;
      const tooBig = policy.retentionBytes >= 0 && remaining > policy.retentionBytes;
      if (!tooOld && !tooBig) break;
      remaining -= this.batches[drop]!.length;
      drop++;
    }
    if (drop === 0) return false;
    const kept = this.batches.slice(drop);
    const keptInfo = kept.map((buf, i) => ({ buf, last: this.lasts[drop + i]!, max: this.maxTimestamps[drop + i]! }));
    this.logStartOffset = this.bases[drop] ?? this.logEndOffset;
    this.replace(keptInfo);
    return true;
  }

  /**
   * Keeps only the latest record per key; tombstones stay until their batch is older than
   * delete.retention.ms. Batches in a compression this broker cannot read are kept whole.
   */
  compact(policy: EffectivePolicy, now: number): void {
    this.dirty = false;
    const decoded: (RecordView[] | null)[] = this.batches.map((b) => (isControlBatch(b) ? null : readRecords(b)));
    const latest = new Map<string, number>();
    for (const records of decoded) {
      for (const r of records ?? []) if (r.key) latest.set(r.key.toString('latin1'), r.offset);
    }
    const kept: { buf: Buffer; last: number; max: number }[] = [];
    let changed = false;
    this.batches.forEach((buf, i) => {
      const records = decoded[i];
      const expired = this.maxTimestamps[i]! < now - policy.deleteRetentionMs;
      const survivors = records?.filter((r) => {
        if (!r.key) return true;
        if (latest.get(r.key.toString('latin1')) !== r.offset) return false;
        return !(r.isTombstone && expired);
      });
      const entry = { buf, last: this.lasts[i]!, max: this.maxTimestamps[i]! };
      if (!records || !survivors || survivors.length === records.length) {
        kept.push(entry);
        return;
      }
      changed = true;
      if (survivors.length > 0) kept.push({ ...entry, buf: rebuildBatch(buf, survivors) });
    });
    if (changed) this.replace(kept);
  }

  private replace(kept: { buf: Buffer; last: number; max: number }[]): void {
    this.batches = [];
    this.bases = [];
    this.lasts = [];
    this.maxTimestamps = [];
    this.bytes = 0;
    for (const k of kept) {
      const base = batchBaseOffset(k.buf);
      this.index(k.buf, k.last - base, k.max);
    }
    this.file?.rewrite(this.batches, { logStartOffset: this.logStartOffset, logEndOffset: this.logEndOffset });
  }

  close(): void {
    this.file?.writeMarks({ logStartOffset: this.logStartOffset, logEndOffset: this.logEndOffset });
    this.file?.close();
  }

  destroy(): void {
    this.listeners.clear();
    this.file?.destroy();
  }
}
