import { decompressRecords } from './compression';
import { crc32c } from './crc32c';

/** Byte positions inside a RecordBatch v2 header. */
const BASE_OFFSET = 0;
const BATCH_LENGTH = 8;
const MAGIC = 16;
const CRC = 17;
const ATTRIBUTES = 21;
const LAST_OFFSET_DELTA = 23;
const FIRST_TIMESTAMP = 27;
const MAX_TIMESTAMP = 35;
const PRODUCER_ID = 43;
const PRODUCER_EPOCH = 51;
const BASE_SEQUENCE = 53;
const RECORD_COUNT = 57;
export const BATCH_HEADER_SIZE = 61;

const COMPRESSION_MASK = 0x07;
const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;

export class InvalidRecordBatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRecordBatchError';
  }
}

export interface BatchInfo {
  /** The batch's own bytes, copied out of the request frame. */
  buf: Buffer;
  lastOffsetDelta: number;
  firstTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  transactional: boolean;
  compression: number;
}

export function readBatchInfo(buf: Buffer): BatchInfo {
  const attributes = buf.readInt16BE(ATTRIBUTES);
  return {
    buf,
    lastOffsetDelta: buf.readInt32BE(LAST_OFFSET_DELTA),
    firstTimestamp: Number(buf.readBigInt64BE(FIRST_TIMESTAMP)),
    maxTimestamp: Number(buf.readBigInt64BE(MAX_TIMESTAMP)),
    producerId: Number(buf.readBigInt64BE(PRODUCER_ID)),
    producerEpoch: buf.readInt16BE(PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(BASE_SEQUENCE),
    transactional: (attributes & TRANSACTIONAL) !== 0,
    compression: attributes & COMPRESSION_MASK,
  };
}

/** Splits a Produce records field into its batches, validating framing and magic only (no per-record work). */
export function splitBatches(records: Buffer): BatchInfo[] {
  const out: BatchInfo[] = [];
  let pos = 0;
  while (pos < records.length) {
    if (records.length - pos < BATCH_HEADER_SIZE) throw new InvalidRecordBatchError('truncated batch header');
    const size = 12 + records.readInt32BE(pos + BATCH_LENGTH);
    if (size < BATCH_HEADER_SIZE || pos + size > records.length) throw new InvalidRecordBatchError(`bad batch length at ${pos}`);
    if (records.readInt8(pos + MAGIC) !== 2) throw new InvalidRecordBatchError('only RecordBatch v2 (magic 2) is supported');
    const buf = Buffer.allocUnsafe(size);
    records.copy(buf, 0, pos, pos + size);
    const info = readBatchInfo(buf);
    if (info.lastOffsetDelta < 0) throw new InvalidRecordBatchError('negative lastOffsetDelta');
    out.push(info);
    pos += size;
  }
  return out;
}

/**
 * Walks concatenated batches as stored on disk, stopping at a torn tail (an interrupted append),
 * and reports how many bytes formed whole batches.
 */
export function scanStoredBatches(data: Buffer): { batches: BatchInfo[]; validBytes: number } {
  const batches: BatchInfo[] = [];
  let pos = 0;
  while (data.length - pos >= BATCH_HEADER_SIZE) {
    const size = 12 + data.readInt32BE(pos + BATCH_LENGTH);
    if (size < BATCH_HEADER_SIZE || pos + size > data.length) break;
    batches.push(readBatchInfo(data.subarray(pos, pos + size)));
    pos += size;
  }
  return { batches, validBytes: pos };
}

export function batchBaseOffset(buf: Buffer): number {
  return Number(buf.readBigInt64BE(BASE_OFFSET));
}

export function setBatchBaseOffset(buf: Buffer, offset: number): void {
  buf.writeBigInt64BE(BigInt(offset), BASE_OFFSET);
}

function readVarint(buf: Buffer, pos: number): [value: number, next: number] {
  let raw = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    const b = buf[pos + i];
    if (b === undefined) throw new InvalidRecordBatchError('truncated varint');
    raw += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2, pos + i + 1];
    mul *= 128;
  }
  throw new InvalidRecordBatchError('varint too long');
}

export interface RecordView {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  isTombstone: boolean;
  /** The record's bytes including its length prefix; offsets and timestamps inside are batch-relative. */
  raw: Buffer;
}

/** Decodes the records of one stored batch; null when its compression is one this broker cannot read. */
export function readRecords(buf: Buffer): RecordView[] | null {
  const info = readBatchInfo(buf);
  const data = decompressRecords(info.compression, buf.subarray(BATCH_HEADER_SIZE));
  if (data === null) return null;
  const base = batchBaseOffset(buf);
  const count = buf.readInt32BE(RECORD_COUNT);
  const out: RecordView[] = [];
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const start = pos;
    const [len, afterLen] = readVarint(data, pos);
    const end = afterLen + len;
    let p = afterLen + 1; // attributes
    const [tsDelta, p1] = readVarint(data, p);
    const [offDelta, p2] = readVarint(data, p1);
    const [keyLen, p3] = readVarint(data, p2);
    p = p3;
    const key = keyLen < 0 ? null : data.subarray(p, p + keyLen);
    if (keyLen > 0) p += keyLen;
    const [valueLen] = readVarint(data, p);
    out.push({
      offset: base + offDelta,
      timestamp: info.firstTimestamp + tsDelta,
      key,
      isTombstone: valueLen < 0,
      raw: data.subarray(start, end),
    });
    pos = end;
  }
  return out;
}

/** Builds an uncompressed batch keeping the original header's offsets and timestamps, with a fresh CRC. */
export function rebuildBatch(original: Buffer, records: RecordView[]): Buffer {
  let bodyLen = 0;
  for (const r of records) bodyLen += r.raw.length;
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + bodyLen);
  original.copy(out, 0, 0, BATCH_HEADER_SIZE);
  out.writeInt32BE(BATCH_HEADER_SIZE - 12 + bodyLen, BATCH_LENGTH);
  out.writeInt16BE(original.readInt16BE(ATTRIBUTES) & ~COMPRESSION_MASK, ATTRIBUTES);
  out.writeInt32BE(records.length, RECORD_COUNT);
  let pos = BATCH_HEADER_SIZE;
  for (const r of records) pos += r.raw.copy(out, pos);
  out.writeUInt32BE(crc32c(out, ATTRIBUTES), CRC);
  return out;
}

export function isControlBatch(buf: Buffer): boolean {
  return (buf.readInt16BE(ATTRIBUTES) & CONTROL) !== 0;
}
