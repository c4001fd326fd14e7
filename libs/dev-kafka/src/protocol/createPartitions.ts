import { ApiKey, type Codec } from './codec';

export interface CreatePartitionsRequest {
  topics: { name: string; count: number }[];
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreatePartitionsResponse {
  topics: { name: string; errorCode: number; errorMessage: string | null }[];
}

/** CreatePartitions v0–v3: v1 and v3 change only broker behaviour; v2 flexible. */
export const createPartitions: Codec<CreatePartitionsRequest, CreatePartitionsResponse> = {
  apiKey: ApiKey.CreatePartitions,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 2,
  decode: (r) => {
    const topics = r.array((r) => {
      const topic = { name: r.string(), count: r.int32() };
      // One broker: manual assignments add nothing.
      r.nullableArray((r) => {
        r.array((r) => r.int32());
        r.tags();
      });
      r.tags();
      return topic;
    });
    const req = { topics, timeoutMs: r.int32(), validateOnly: r.bool() };
    r.tags();
    return req;
  },
  encode: (w, res) => {
    w.int32(0);
    w.array(res.topics, (w, t) => w.string(t.name).int16(t.errorCode).nullableString(t.errorMessage).tags());
    w.tags();
  },
};
