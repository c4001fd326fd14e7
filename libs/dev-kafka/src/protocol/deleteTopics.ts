import { ApiKey, type Codec } from './codec';

export interface DeleteTopicsRequest {
  topics: string[];
  timeoutMs: number;
}

export interface DeleteTopicsResponse {
  topics: { name: string; errorCode: number; errorMessage: string | null }[];
}

/** DeleteTopics v0–v5: v1 throttle; v4 flexible; v5 error messages. v6 names topics by id and is not served. */
export const deleteTopics: Codec<DeleteTopicsRequest, DeleteTopicsResponse> = {
  apiKey: ApiKey.DeleteTopics,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 4,
  decode: (r) => {
    const req = { topics: r.array((r) => r.string()), timeoutMs: r.int32() };
    r.tags();
    return req;
  },
  encode: (w, res, v) => {
    if (v >= 1) w.int32(0);
    w.array(res.topics, (w, t) => {
      w.string(t.name).int16(t.errorCode);
      if (v >= 5) w.nullableString(t.errorMessage);
      w.tags();
    });
    w.tags();
  },
};
