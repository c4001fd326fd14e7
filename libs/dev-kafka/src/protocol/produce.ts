import { ApiKey, type Codec } from './codec';

export interface ProducePartitionData {
  partition: number;
  /** A view into the request frame: one or more RecordBatch v2. */
  records: Buffer | null;
}

export interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topics: { name: string; partitions: ProducePartitionData[] }[];
}

export interface ProducePartitionResult {
  partition: number;
  errorCode: number;
  baseOffset: number;
  logStartOffset: number;
}

export interface ProduceResponse {
  topics: { name: string; partitions: ProducePartitionResult[] }[];
}

/**
 * Produce v0–v9 are advertised, as Kafka 4 does: librdkafka turns gzip, snappy and lz4 on only when
 * the Produce range reaches v2 (and sends such batches uncompressed otherwise). Only v3+ are stored
 * (RecordBatch v2); v0–v2 requests are answered with UNSUPPORTED_VERSION per partition, again like
 * Kafka 4. v3 adds the transactional id; v5 the log start offset; v8 per-record errors; v9 is flexible.
 */
export const produce: Codec<ProduceRequest, ProduceResponse> = {
  apiKey: ApiKey.Produce,
  name: 'Produce',
  minVersion: 0,
  maxVersion: 9,
  flexibleFrom: 9,
  decode: (r, v) => {
    const transactionalId = v >= 3 ? r.nullableString() : null;
    const acks = r.int16();
    const timeoutMs = r.int32();
    const topics = r.array((r) => {
      const name = r.string();
      const partitions = r.array((r) => {
        const p = { partition: r.int32(), records: r.nullableBytes() };
        r.tags();
        return p;
      });
      r.tags();
      return { name, partitions };
    });
    r.tags();
    return { transactionalId, acks, timeoutMs, topics };
  },
  encode: (w, res, v) => {
    w.array(res.topics, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, p) => {
        w.int32(p.partition).int16(p.errorCode).int64(p.baseOffset);
        if (v >= 2) w.int64(-1); // log append time: topics use CreateTime
        if (v >= 5) w.int64(p.logStartOffset);
        if (v >= 8) w.array([], () => undefined).nullableString(null);
        w.tags();
      });
      w.tags();
    });
    if (v >= 1) w.int32(0);
    w.tags();
  },
};
