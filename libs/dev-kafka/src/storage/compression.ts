import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';

// snappyjs and lz4js ship no type declarations; loading them through a typed require keeps the
// declaration local instead of an ambient .d.ts every package compiling this file would need.
const load = createRequire(__filename);
const { uncompress: snappyUncompress } = load('snappyjs') as { uncompress(data: Uint8Array): Uint8Array };
const { decompress: lz4Decompress } = load('lz4js') as { decompress(data: Uint8Array): Uint8Array };

/** Record batch compression codes (attributes bits 0–2). */
export const Compression = { NONE: 0, GZIP: 1, SNAPPY: 2, LZ4: 3, ZSTD: 4 } as const;

/** Java clients (and kafkajs) frame snappy the xerial way: a magic header, then length-prefixed raw chunks. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER = 16; // magic, version, compatible version

function unsnappy(data: Buffer): Buffer {
  if (data.length < XERIAL_HEADER || !data.subarray(0, 8).equals(XERIAL_MAGIC)) return Buffer.from(snappyUncompress(data));
  const chunks: Buffer[] = [];
  let pos = XERIAL_HEADER;
  while (pos + 4 <= data.length) {
    const len = data.readInt32BE(pos);
    chunks.push(Buffer.from(snappyUncompress(data.subarray(pos + 4, pos + 4 + len))));
    pos += 4 + len;
  }
  return Buffer.concat(chunks);
}

/**
 * The records section of a batch, decompressed; only compaction needs it (batches are otherwise
 * stored and served exactly as sent). librdkafka sends raw snappy, Java and kafkajs xerial-framed;
 * lz4 is the LZ4 frame format in every client.
 */
export function decompressRecords(codec: number, data: Buffer): Buffer | null {
  switch (codec) {
    case Compression.NONE:
      return data;
    case Compression.GZIP:
      return gunzipSync(data);
    case Compression.SNAPPY:
      return unsnappy(data);
    case Compression.LZ4:
      return Buffer.from(lz4Decompress(data));
    case Compression.ZSTD:
      return Buffer.from(zstdDecompress(data));
    default:
      return null;
  }
}
