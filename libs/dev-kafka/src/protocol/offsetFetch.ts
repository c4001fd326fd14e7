import { ApiKey, type Codec } from './codec';

export interface OffsetFetchGroupRequest {
  groupId: string;
  /** null asks for every committed offset of the group. */
  topics: { name: string; partitions: number[] }[] | null;
}

export interface OffsetFetchRequest {
  /** One group before v8; v8 batches them. */
  groups: OffsetFetchGroupRequest[];
}

export interface OffsetFetchPartitionResult {
  partition: number;
  offset: number;
  metadata: string | null;
  errorCode: number;
}

export interface OffsetFetchGroupResult {
  groupId: string;
  topics: { name: string; partitions: OffsetFetchPartitionResult[] }[];
  errorCode: number;
}

export interface OffsetFetchResponse {
  groups: OffsetFetchGroupResult[];
}

function readTopics(r: import('./reader').Reader): OffsetFetchGroupRequest['topics'] {
  return r.nullableArray((r) => {
    const t = { name: r.string(), partitions: r.array((r) => r.int32()) };
    r.tags();
    return t;
  });
}

function writeTopics(w: import('./writer').Writer, topics: OffsetFetchGroupResult['topics'], v: number): void {
  w.array(topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      w.int32(p.partition).int64(p.offset);
      if (v >= 5) w.int32(-1); // leader epoch
      w.nullableString(p.metadata).int16(p.errorCode).tags();
    });
    w.tags();
  });
}

/**
 * OffsetFetch v1–v8: v2 null topics (= all) and a top-level error; v3 throttle; v5 leader epochs;
 * v6 flexible; v7 require_stable (every offset here is stable); v8 several groups per request.
 */
export const offsetFetch: Codec<OffsetFetchRequest, OffsetFetchResponse> = {
  apiKey: ApiKey.OffsetFetch,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 8,
  flexibleFrom: 6,
  decode: (r, v) => {
    let groups: OffsetFetchGroupRequest[];
    if (v >= 8) {
      groups = r.array((r) => {
        const g = { groupId: r.string(), topics: readTopics(r) };
        r.tags();
        return g;
      });
    } else {
      groups = [{ groupId: r.string(), topics: readTopics(r) }];
    }
    if (v >= 7) r.bool(); // require stable
    r.tags();
    return { groups };
  },
  encode: (w, res, v) => {
    if (v >= 3) w.int32(0);
    if (v >= 8) {
      w.array(res.groups, (w, g) => {
        w.string(g.groupId);
        writeTopics(w, g.topics, v);
        w.int16(g.errorCode).tags();
      });
    } else {
      const g = res.groups[0]!;
      writeTopics(w, g.topics, v);
      if (v >= 2) w.int16(g.errorCode);
    }
    w.tags();
  },
};
