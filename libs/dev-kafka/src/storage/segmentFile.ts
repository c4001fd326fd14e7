import * as fs from 'node:fs';
import * as path from 'node:path';
import { batchBaseOffset, scanStoredBatches, type BatchInfo } from './recordBatch';

interface PartitionMarks {
  logStartOffset: number;
  logEndOffset: number;
}

const MARKS = 'partition.json';

function segmentName(baseOffset: number): string {
  return `${String(baseOffset).padStart(20, '0')}.log`;
}

/**
 * One partition's data on disk: a segment file named after its first offset holding batches
 * exactly as served, plus the start/end offsets, which outlive deleted batches.
 */
export class SegmentFile {
  private fd: number | null = null;

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  load(): { batches: BatchInfo[]; marks: PartitionMarks } {
    let marks: PartitionMarks = { logStartOffset: 0, logEndOffset: 0 };
    const marksPath = path.join(this.dir, MARKS);
    if (fs.existsSync(marksPath)) marks = JSON.parse(fs.readFileSync(marksPath, 'utf8')) as PartitionMarks;
    const segment = this.currentSegment();
    if (!segment) return { batches: [], marks };
    const full = path.join(this.dir, segment);
    const data = fs.readFileSync(full);
    const { batches, validBytes } = scanStoredBatches(data);
    // A torn tail is an append cut off by a crash; drop it so later appends stay readable.
    if (validBytes < data.length) fs.truncateSync(full, validBytes);
    this.fd = fs.openSync(full, 'a');
    return { batches, marks };
  }

  private currentSegment(): string | undefined {
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.log'))
      .sort()
      .at(-1);
  }

  append(buf: Buffer): void {
    if (this.fd === null) {
      this.fd = fs.openSync(path.join(this.dir, segmentName(batchBaseOffset(buf))), 'a');
    }
    fs.writeSync(this.fd, buf);
  }

  /** Replaces the segment after retention or compaction changed which batches remain. */
  rewrite(batches: Buffer[], marks: PartitionMarks): void {
    this.close();
    const old = fs.readdirSync(this.dir).filter((f) => f.endsWith('.log'));
    const first = batches[0];
    if (first) {
      const name = segmentName(batchBaseOffset(first));
      const tmp = path.join(this.dir, `${name}.tmp`);
      fs.writeFileSync(tmp, Buffer.concat(batches));
      fs.renameSync(tmp, path.join(this.dir, name));
      for (const f of old) if (f !== name) fs.rmSync(path.join(this.dir, f));
      this.fd = fs.openSync(path.join(this.dir, name), 'a');
    } else {
      for (const f of old) fs.rmSync(path.join(this.dir, f));
    }
    this.writeMarks(marks);
  }

  writeMarks(marks: PartitionMarks): void {
    const tmp = path.join(this.dir, `${MARKS}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(marks));
    fs.renameSync(tmp, path.join(this.dir, MARKS));
  }

  close(): void {
    if (this.fd !== null) {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }

  destroy(): void {
    this.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
