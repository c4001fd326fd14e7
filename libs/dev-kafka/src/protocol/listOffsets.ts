import { ApiKey, type Codec } from './codec';

export interface ListOffsetsRequest {
  isolationLevel: number;
  topics: { name: string; partitions: { partition: number; timestamp: number }[] }[];
}

export interface ListOffsetsPartitionResult {
  partition: number;
  errorCode: number;
  timestamp: number;
  offset: number;
}

export interface ListOffsetsResponse {
  topics: { name: string; partitions: ListOffsetsPartitionResult[] }[];
}

/**
 * ListOffsets v1–v7: v2 isolation level and throttle time; v4 leader epochs; v6 flexible; v7 only
 * allows the max-timestamp query (-3).
 */
export const listOffsets: Codec<ListOffsetsRequest, ListOffsetsResponse> = {
  apiKey: ApiKey.ListOffsets,
  name: 'ListOffsets',
  minVersion: 1,
  maxVersion: 7,
  flexibleFrom: 6,
  decode: (r, v) => {
    r.int32(); // replica id
    const isolationLevel = v >= 2 ? r.int8() : 0;
    const topics = r.array((r) => {
      const name = r.string();
      const partitions = r.array((r) => {
        const partition = r.int32();
        if (v >= 4) r.int32(); // current leader epoch
        const p = { partition, timestamp: r.int64() };
        r.tags();
        return p;
      });
      r.tags();
      return { name, partitions };
    });
    r.tags();
    return { isolationLevel, topics };
  },
  encode: (w, res, v) => {
    if (v >= 2) w.int32(0);
    w.array(res.topics, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, p) => {
        w.int32(p.partition).int16(p.errorCode).int64(p.timestamp).int64(p.offset);
        if (v >= 4) w.int32(p.errorCode === 0 ? 0 : -1);
        w.tags();
      });
      w.tags();
    });
    w.tags();
  },
};
