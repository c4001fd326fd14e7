import { ApiKey, type Codec } from '../codec';

export interface DeleteTopicsRequest {
  topics: string[];
  timeoutMs: number;
}

export interface DeleteTopicsResponse {
  topics: { name: string; errorCode: number }[];
}

export const deleteTopicsV1: Codec<DeleteTopicsRequest, DeleteTopicsResponse> = {
  apiKey: ApiKey.DeleteTopics,
  version: 1,
  name: 'DeleteTopics',
  decode: (r) => ({ topics: r.array((r) => r.string()), timeoutMs: r.int32() }),
  encode: (w, res) => {
    w.int32(0);
    w.array(res.topics, (w, t) => w.string(t.name).int16(t.errorCode));
  },
};
