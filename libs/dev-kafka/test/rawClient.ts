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

  /** Sends a request with a v1 header and resolves with the response body (after the correlation id). */
  request(apiKey: number, apiVersion: number, body: Buffer): Promise<Buffer> {
    const id = this.nextCorrelationId++;
    const clientId = Buffer.from('raw-test');
    const header = Buffer.alloc(10);
    header.writeInt16BE(apiKey, 0);
    header.writeInt16BE(apiVersion, 2);
    header.writeInt32BE(id, 4);
    header.writeInt16BE(clientId.length, 8);
    const payload = Buffer.concat([header, clientId, body]);
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
