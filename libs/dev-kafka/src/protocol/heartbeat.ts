import { ApiKey, type Codec } from './codec';

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
}

export interface HeartbeatResponse {
  errorCode: number;
}

/** Heartbeat v0–v4: v1 throttle; v3 group instance id; v4 flexible. */
export const heartbeat: Codec<HeartbeatRequest, HeartbeatResponse> = {
  apiKey: ApiKey.Heartbeat,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 4,
  decode: (r, v) => {
    const req = { groupId: r.string(), generationId: r.int32(), memberId: r.string() };
    if (v >= 3) r.nullableString(); // group instance id
    r.tags();
    return req;
  },
  encode: (w, res, v) => {
    if (v >= 1) w.int32(0);
    w.int16(res.errorCode).tags();
  },
};
