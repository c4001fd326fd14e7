import * as net from 'node:net';

/** Kafka's compression codes in a record batch's attributes. */
export const CODEC_ID: Record<string, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

function fetchV4Request(topic: string, partition: number, correlationId: number): Buffer {
  const clientId = Buffer.from('foreign-clients-wire');
  const name = Buffer.from(topic);
  const body = Buffer.alloc(10 + clientId.length + 4 * 4 + 1 + 4 + 2 + name.length + 4 + 4 + 8 + 4);
  let o = 0;
  o = body.writeInt16BE(1, o); // Fetch
  o = body.writeInt16BE(4, o);
  o = body.writeInt32BE(correlationId, o);
  o = body.writeInt16BE(clientId.length, o);
  o += clientId.copy(body, o);
  o = body.writeInt32BE(-1, o); // replica id
  o = body.writeInt32BE(500, o); // max wait
  o = body.writeInt32BE(1, o); // min bytes
  o = body.writeInt32BE(16 * 1024 * 1024, o); // max bytes
  o = body.writeInt8(0, o); // read uncommitted
  o = body.writeInt32BE(1, o);
  o = body.writeInt16BE(name.length, o);
  o += name.copy(body, o);
  o = body.writeInt32BE(1, o);
  o = body.writeInt32BE(partition, o);
  o = body.writeBigInt64BE(0n, o);
  body.writeInt32BE(16 * 1024 * 1024, o);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** Parses a Fetch v4 response for one partition and returns each stored batch's compression code. */
function batchCodecs(frame: Buffer): number[] {
  let o = 4 + 4; // correlation id, throttle
  o += 4; // topic count (1)
  o += 2 + frame.readInt16BE(o); // topic name
  o += 4; // partition count (1)
  o += 4; // partition
  const errorCode = frame.readInt16BE(o);
  if (errorCode !== 0) throw new Error(`fetch error ${errorCode}`);
  o += 2 + 8 + 8; // error, high watermark, last stable offset
  const aborted = frame.readInt32BE(o);
  o += 4 + Math.max(0, aborted) * 16;
  const len = frame.readInt32BE(o);
  o += 4;
  const end = o + len;
  const codecs: number[] = [];
  // A batch: base offset (8), length (4), leader epoch (4), magic (1), crc (4), attributes (2)...
  while (o + 12 <= end) {
    const batchLength = frame.readInt32BE(o + 8);
    if (o + 12 + batchLength > end) break; // a partial last batch, as brokers may send
    codecs.push(frame.readInt16BE(o + 21) & 0x07);
    o += 12 + batchLength;
  }
  return codecs;
}

/**
 * Reads partition 0 of a topic straight off the wire (Fetch v4, which every broker here serves) and
 * returns the compression code of every batch, so a test sees what the producer really sent.
 */
export function wireCodecs(bootstrap: string, topic: string, timeoutMs = 10_000): Promise<number[]> {
  const [host, port] = bootstrap.split(',')[0]!.split(':');
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), host);
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no fetch answer from ${bootstrap} in ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(fetchV4Request(topic, 0, 1)));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      clearTimeout(timer);
      socket.destroy();
      try {
        resolve(batchCodecs(buf.subarray(4, 4 + buf.readInt32BE(0))));
      } catch (err) {
        reject(err as Error);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
