import { ApiKey, type Codec } from '../codec';

export interface OffsetCommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  topics: { name: string; partitions: { partition: number; offset: number; metadata: string | null }[] }[];
}

export interface OffsetCommitResponse {
  topics: { name: string; partitions: { partition: number; errorCode: number }[] }[];
}

export const offsetCommitV5: Codec<OffsetCommitRequest, OffsetCommitResponse> = {
  apiKey: ApiKey.OffsetCommit,
  version: 5,
  name: 'OffsetCommit',
  decode: (r) => ({
    groupId: r.string(),
    generationId: r.int32(),
    memberId: r.string(),
    topics: r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => ({ partition: r.int32(), offset: r.int64(), metadata: r.nullableString() })),
    })),
  }),
  encode: (w, res) => {
    w.int32(0);
    w.array(res.topics, (w, t) => {
      w.string(t.name);
      w.array(t.partitions, (w, p) => w.int32(p.partition).int16(p.errorCode));
    });
  },
};
