import { ApiKey, type Codec } from '../codec';

export interface FetchPartitionRequest {
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
}

export interface FetchRequest {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  topics: { name: string; partitions: FetchPartitionRequest[] }[];
}

export interface FetchPartitionResult {
  partition: number;
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  /** Stored batches, sent as they are. */
  batches: Buffer[];
}

export interface FetchResponse {
  topics: { name: string; partitions: FetchPartitionResult[] }[];
}

/**
 * Fetch v4–v11 grew by appending fields: v5 log start offsets, v7 fetch sessions (ignored here:
 * every fetch is a full one), v9 leader epochs, v11 rack id and preferred read replica.
 */
export function fetchLayout(version: number): Codec<FetchRequest, FetchResponse> {
  return {
    apiKey: ApiKey.Fetch,
    version,
    name: 'Fetch',
    decode: (r) => {
      r.int32(); // replica id: always a consumer here
      const maxWaitMs = r.int32();
      const minBytes = r.int32();
      const maxBytes = r.int32();
      const isolationLevel = r.int8();
      if (version >= 7) {
        r.int32(); // session id
        r.int32(); // session epoch
      }
      const topics = r.array((r) => ({
        name: r.string(),
        partitions: r.array((r) => {
          const partition = r.int32();
          if (version >= 9) r.int32(); // current leader epoch
          const fetchOffset = r.int64();
          if (version >= 5) r.int64(); // follower log start offset
          return { partition, fetchOffset, partitionMaxBytes: r.int32() };
        }),
      }));
      if (version >= 7) r.array((r) => ({ name: r.string(), partitions: r.array((r) => r.int32()) }));
      if (version >= 11) r.string(); // rack id
      return { maxWaitMs, minBytes, maxBytes, isolationLevel, topics };
    },
    encode: (w, res) => {
      w.int32(0);
      if (version >= 7) w.int16(0).int32(0);
      w.array(res.topics, (w, t) => {
        w.string(t.name);
        w.array(t.partitions, (w, p) => {
          w.int32(p.partition).int16(p.errorCode).int64(p.highWatermark).int64(p.lastStableOffset);
          if (version >= 5) w.int64(p.logStartOffset);
          w.nullableArray(null, () => undefined);
          if (version >= 11) w.int32(-1);
          w.bytesList(p.batches);
        });
      });
    },
  };
}

export const fetchV11 = fetchLayout(11);
