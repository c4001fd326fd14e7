import { ApiKey, type Codec } from './codec';

export interface CreatableTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: { partition: number; brokerIds: number[] }[];
  configs: { name: string; value: string | null }[];
}

export interface CreateTopicsRequest {
  topics: CreatableTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreatedTopic {
  name: string;
  errorCode: number;
  errorMessage: string | null;
  /** v5+: what the topic got (-1 on failure). */
  numPartitions: number;
}

export interface CreateTopicsResponse {
  topics: CreatedTopic[];
}

/** CreateTopics v0–v5: v1 validate-only and error messages; v2 throttle; v5 flexible with the outcome's partition count. */
export const createTopics: Codec<CreateTopicsRequest, CreateTopicsResponse> = {
  apiKey: ApiKey.CreateTopics,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 5,
  decode: (r, v) => {
    const topics = r.array((r) => {
      const name = r.string();
      const numPartitions = r.int32();
      const replicationFactor = r.int16();
      const assignments = r.array((r) => {
        const a = { partition: r.int32(), brokerIds: r.array((r) => r.int32()) };
        r.tags();
        return a;
      });
      const configs = r.array((r) => {
        const c = { name: r.string(), value: r.nullableString() };
        r.tags();
        return c;
      });
      r.tags();
      return { name, numPartitions, replicationFactor, assignments, configs };
    });
    const timeoutMs = r.int32();
    const validateOnly = v >= 1 ? r.bool() : false;
    r.tags();
    return { topics, timeoutMs, validateOnly };
  },
  encode: (w, res, v) => {
    if (v >= 2) w.int32(0);
    w.array(res.topics, (w, t) => {
      w.string(t.name).int16(t.errorCode);
      if (v >= 1) w.nullableString(t.errorMessage);
      if (v >= 5) {
        const ok = t.errorCode === 0;
        w.int32(ok ? t.numPartitions : -1).int16(ok ? 1 : -1);
        w.nullableArray(null, () => undefined); // configs: not echoed; DescribeConfigs reports them
      }
      w.tags();
    });
    w.tags();
  },
};
