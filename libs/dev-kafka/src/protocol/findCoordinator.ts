import { ApiKey, type Codec } from './codec';

export interface FindCoordinatorRequest {
  keyType: number;
  /** One key before v4; v4 batches them. */
  keys: string[];
}

export interface Coordinator {
  key: string;
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

export interface FindCoordinatorResponse {
  coordinators: Coordinator[];
}

/** FindCoordinator v0–v4: v1 key type, throttle and error message; v3 flexible; v4 batched keys. */
export const findCoordinator: Codec<FindCoordinatorRequest, FindCoordinatorResponse> = {
  apiKey: ApiKey.FindCoordinator,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,
  decode: (r, v) => {
    const key = v <= 3 ? r.string() : null;
    const keyType = v >= 1 ? r.int8() : 0;
    const keys = v >= 4 ? r.array((r) => r.string()) : [key!];
    r.tags();
    return { keyType, keys };
  },
  encode: (w, res, v) => {
    if (v >= 1) w.int32(0);
    if (v >= 4) {
      w.array(res.coordinators, (w, c) => {
        w.string(c.key).int32(c.nodeId).string(c.host).int32(c.port).int16(c.errorCode).nullableString(c.errorMessage).tags();
      });
    } else {
      const c = res.coordinators[0]!;
      w.int16(c.errorCode);
      if (v >= 1) w.nullableString(c.errorMessage);
      w.int32(c.nodeId).string(c.host).int32(c.port);
    }
    w.tags();
  },
};
