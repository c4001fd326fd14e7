import { ApiKey, type Codec } from './codec';

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
 * Fetch v4–v12 grew by appending fields: v5 log start offsets, v7 fetch sessions (ignored: every
 * fetch is a full one and the session id answered is 0, which tells clients none was created),
 * v9 leader epochs, v11 rack id and preferred read replica, v12 flexible with last fetched epochs.
 * v13+ name topics by id and are not served.
 */
export const fetch: Codec<FetchRequest, FetchResponse> = {
  apiKey: ApiKey.Fetch,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 12,
  flexibleFrom: 12,
  decode: (r, v) => {
    r.int32(); // replica id: always a consumer here
    const maxWaitMs = r.int32();
    const minBytes = r.int32();
    const maxBytes = r.int32();
    const isolationLevel = r.int8();
    if (v >= 7) {
      r.int32(); // session id
      r.int32(); // session epoch
    }
    const topics = r.array((r) => {
      const name = r.string();
      const partitions = r.array((r) => {
        const partition = r.int32();
        if (v >= 9) r.int32(); // current leader epoch
        const fetchOffset = r.int64();
        if (v >= 12) r.int32(); // last fetched epoch
        if (v >= 5) r.int64(); // follower log start offset
        const p = { partition, fetchOffset, partitionMaxBytes: r.int32() };
        r.tags();
        return p;
      });
      r.tags();
      return { name, partitions };
    });
    if (v >= 7) {
      r.array((r) => {
        const forgotten = { name: r.string(), partitions: r.array((r) => r.int32()) };
        r.tags();
        return forgotten;
      });
    }
    if (v >= 11) r.string(); // rack id
    r.tags();
    return { maxWaitMs, minBytes, maxBytes, isolationLevel, topics };
  },
  encode: (w, res, v) => {
    w.int32(0);
    if (v >= 7) w.int16(0).int32(0);
    w.array(res.topics, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, p) => {
        w.int32(p.partition).int16(p.errorCode).int64(p.highWatermark).int64(p.lastStableOffset);
        if (v >= 5) w.int64(p.logStartOffset);
        w.nullableArray(null, () => undefined);
        if (v >= 11) w.int32(-1);
        w.bytesList(p.batches);
        w.tags();
      });
      w.tags();
    });
    w.tags();
  },
};
