import { ApiKey, type Codec } from '../codec';

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
 * Produce v3–v7 share the request layout (RecordBatch v2 only); v5 adds log_start_offset to the
 * response. Clients such as librdkafka only enable RecordBatch v2 when v3 is advertised.
 */
export function produceLayout(version: number): Codec<ProduceRequest, ProduceResponse> {
  return {
    apiKey: ApiKey.Produce,
    version,
    name: 'Produce',
    decode: (r) => ({
      transactionalId: r.nullableString(),
      acks: r.int16(),
      timeoutMs: r.int32(),
      topics: r.array((r) => ({
        name: r.string(),
        partitions: r.array((r) => ({ partition: r.int32(), records: r.nullableBytes() })),
      })),
    }),
    encode: (w, res) => {
      w.array(res.topics, (w, t) => {
        w.string(t.name);
        w.array(t.partitions, (w, p) => {
          w.int32(p.partition).int16(p.errorCode).int64(p.baseOffset).int64(-1);
          if (version >= 5) w.int64(p.logStartOffset);
        });
      });
      w.int32(0);
    },
  };
}

export const produceV7 = produceLayout(7);
