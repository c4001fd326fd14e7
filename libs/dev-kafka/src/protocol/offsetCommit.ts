import { ApiKey, type Codec } from './codec';

export interface OffsetCommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  topics: { name: string; partitions: { partition: number; offset: number; metadata: string | null }[] }[];
}

export interface OffsetCommitResponse {
  topics: { name: string; partitions: { partition: number; errorCode: number }[] }[];
}

/**
 * OffsetCommit v2–v9 (v0/v1, which Kafka 4 also dropped, stored offsets elsewhere): v2–v4 carry a
 * retention time (ignored: committed offsets are kept until the group is deleted); v3 throttle;
 * v6 leader epochs; v7 group instance id; v8 flexible.
 */
export const offsetCommit: Codec<OffsetCommitRequest, OffsetCommitResponse> = {
  apiKey: ApiKey.OffsetCommit,
  name: 'OffsetCommit',
  minVersion: 2,
  maxVersion: 9,
  flexibleFrom: 8,
  decode: (r, v) => {
    const groupId = r.string();
    const generationId = r.int32();
    const memberId = r.string();
    if (v >= 7) r.nullableString(); // group instance id
    if (v <= 4) r.int64(); // retention time
    const topics = r.array((r) => {
      const name = r.string();
      const partitions = r.array((r) => {
        const partition = r.int32();
        const offset = r.int64();
        if (v >= 6) r.int32(); // leader epoch
        const p = { partition, offset, metadata: r.nullableString() };
        r.tags();
        return p;
      });
      r.tags();
      return { name, partitions };
    });
    r.tags();
    return { groupId, generationId, memberId, topics };
  },
  encode: (w, res, v) => {
    if (v >= 3) w.int32(0);
    w.array(res.topics, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, p) => w.int32(p.partition).int16(p.errorCode).tags());
      w.tags();
    });
    w.tags();
  },
};
