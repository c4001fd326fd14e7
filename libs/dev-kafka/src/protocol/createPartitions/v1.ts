import { ApiKey, type Codec } from '../codec';

export interface CreatePartitionsRequest {
  topics: { name: string; count: number }[];
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreatePartitionsResponse {
  topics: { name: string; errorCode: number; errorMessage: string | null }[];
}

export const createPartitionsV1: Codec<CreatePartitionsRequest, CreatePartitionsResponse> = {
  apiKey: ApiKey.CreatePartitions,
  version: 1,
  name: 'CreatePartitions',
  decode: (r) => ({
    topics: r.array((r) => {
      const topic = { name: r.string(), count: r.int32() };
      r.nullableArray((r) => r.array((r) => r.int32())); // one broker: manual assignments add nothing
      return topic;
    }),
    timeoutMs: r.int32(),
    validateOnly: r.bool(),
  }),
  encode: (w, res) => {
    w.int32(0);
    w.array(res.topics, (w, t) => w.string(t.name).int16(t.errorCode).nullableString(t.errorMessage));
  },
};
