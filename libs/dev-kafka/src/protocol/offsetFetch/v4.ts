import { ApiKey, type Codec } from '../codec';

export interface OffsetFetchRequest {
  groupId: string;
  /** null asks for every committed offset of the group. */
  topics: { name: string; partitions: number[] }[] | null;
}

export interface OffsetFetchPartitionResult {
  partition: number;
  offset: number;
  metadata: string | null;
  errorCode: number;
}

export interface OffsetFetchResponse {
  topics: { name: string; partitions: OffsetFetchPartitionResult[] }[];
  errorCode: number;
}

export const offsetFetchV4: Codec<OffsetFetchRequest, OffsetFetchResponse> = {
  apiKey: ApiKey.OffsetFetch,
  version: 4,
  name: 'OffsetFetch',
  decode: (r) => ({
    groupId: r.string(),
    topics: r.nullableArray((r) => ({ name: r.string(), partitions: r.array((r) => r.int32()) })),
  }),
  encode: (w, res) => {
    w.int32(0);
    w.array(res.topics, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, p) =>
        w.int32(p.partition).int64(p.offset).nullableString(p.metadata).int16(p.errorCode),
      );
    });
    w.int16(res.errorCode);
  },
};
