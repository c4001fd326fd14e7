import * as net from 'node:net';
import { crc32c } from '../src/storage/crc32c';

/** A bare Kafka-protocol socket for the cases a real client never produces. */
export class RawClient {
  private buffered = Buffer.alloc(0);
  private readonly waiting = new Map<number, (body: Buffer) => void>();
  private nextCorrelationId = 1;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        const size = this.buffered.readInt32BE(0);
        const frame = this.buffered.subarray(4, 4 + size);
        this.buffered = this.buffered.subarray(4 + size);
        const id = frame.readInt32BE(0);
        this.waiting.get(id)?.(frame.subarray(4));
        this.waiting.delete(id);
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static connect(bootstrap: string): Promise<RawClient> {
    const [host, port] = bootstrap.split(':');
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), host, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /**
   * Sends a request and resolves with the response body (after the correlation id). `flexible`
   * sends request header v2 (an empty tagged-field section after the client id); the caller skips
   * the response header's tagged fields, which ApiVersions answers never have.
   */
  request(apiKey: number, apiVersion: number, body: Buffer, flexible = false): Promise<Buffer> {
    const id = this.nextCorrelationId++;
    const clientId = Buffer.from('raw-test');
    const header = Buffer.alloc(10);
    header.writeInt16BE(apiKey, 0);
    header.writeInt16BE(apiVersion, 2);
    header.writeInt32BE(id, 4);
    header.writeInt16BE(clientId.length, 8);
    const payload = Buffer.concat([header, clientId, ...(flexible ? [Buffer.from([0])] : []), body]);
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length);
    const answer = new Promise<Buffer>((resolve) => this.waiting.set(id, resolve));
    this.socket.write(Buffer.concat([size, payload]));
    return answer;
  }

  close(): void {
    this.socket.destroy();
  }
}

export function int16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(v);
  return b;
}

export function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
}

export function int64(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(v));
  return b;
}

/** Unsigned varint, as compact lengths and tag counts use. */
export function uvarint(v: number): Buffer {
  const out: number[] = [];
  let rest = v;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Buffer.from(out);
}

/** A compact (flexible-version) string: length + 1 as a varint, 0 for null. */
export function compactStr(s: string | null): Buffer {
  if (s === null) return uvarint(0);
  return Buffer.concat([uvarint(Buffer.byteLength(s) + 1), Buffer.from(s)]);
}

/** A compact array of already encoded items. */
export function compactArray(items: Buffer[]): Buffer {
  return Buffer.concat([uvarint(items.length + 1), ...items]);
}

/** The empty tagged-field section ending every flexible structure. */
export const NO_TAGS = Buffer.from([0]);

/** Reads what a flexible answer holds, in order. */
export class FlexReader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  int8(): number {
    return this.buf.readInt8(this.pos++);
  }
  int16(): number {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  int64(): number {
    const v = Number(this.buf.readBigInt64BE(this.pos));
    this.pos += 8;
    return v;
  }
  uvarint(): number {
    let v = 0;
    for (let i = 0; ; i++) {
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return v;
    }
  }
  compactStr(): string | null {
    const len = this.uvarint() - 1;
    if (len < 0) return null;
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
  bytes(n: number): Buffer {
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  /** Skips a tagged-field section. */
  tags(): void {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      this.pos += this.uvarint();
    }
  }
  compactArray<T>(item: (r: FlexReader) => T): T[] | null {
    const n = this.uvarint() - 1;
    if (n < 0) return null;
    return Array.from({ length: n }, () => item(this));
  }
}

export function str(s: string | null): Buffer {
  if (s === null) return int16(-1);
  return Buffer.concat([int16(Buffer.byteLength(s)), Buffer.from(s)]);
}

function varint(v: number): Buffer {
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z & 0x7f) | 0x80);
    z = Math.floor(z / 128);
  }
  out.push(z);
  return Buffer.from(out);
}

/** An uncompressed RecordBatch v2 with one record per value, CRC included so real brokers accept it too. */
export function recordBatch(opts: { producerId: number; epoch: number; firstSequence: number; values: string[] }): Buffer {
  const now = Date.now();
  const records = opts.values.map((v, i) => {
    const value = Buffer.from(v);
    const body = Buffer.concat([Buffer.from([0]), varint(0), varint(i), varint(-1), varint(value.length), value, varint(0)]);
    return Buffer.concat([varint(body.length), body]);
  });
  const afterCrc = Buffer.concat([
    int16(0),
    int32(opts.values.length - 1),
    int64(now),
    int64(now),
    int64(opts.producerId),
    int16(opts.epoch),
    int32(opts.firstSequence),
    int32(opts.values.length),
    ...records,
  ]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32c(afterCrc));
  const afterLength = Buffer.concat([int32(0), Buffer.from([2]), crc, afterCrc]);
  return Buffer.concat([int64(0), int32(afterLength.length), afterLength]);
}

/** A Produce request body (same layout from v3 to v7) for one partition. */
export function produceBody(topic: string, partition: number, batch: Buffer): Buffer {
  return Buffer.concat([
    str(null),
    int16(-1),
    int32(5000),
    int32(1),
    str(topic),
    int32(1),
    int32(partition),
    int32(batch.length),
    batch,
  ]);
}

/** Reads a Produce v7 response for one partition: error code and base offset. */
export function parseProduceResponse(body: Buffer): { errorCode: number; baseOffset: number } {
  let pos = 4; // topics array length
  const nameLen = body.readInt16BE(pos);
  pos += 2 + nameLen + 4 + 4; // name, partitions array length, partition index
  return { errorCode: body.readInt16BE(pos), baseOffset: Number(body.readBigInt64BE(pos + 2)) };
}
