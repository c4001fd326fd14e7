import { ApiKey, type Codec } from '../codec';

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
}

export interface HeartbeatResponse {
  errorCode: number;
}

export const heartbeatV3: Codec<HeartbeatRequest, HeartbeatResponse> = {
  apiKey: ApiKey.Heartbeat,
  version: 3,
  name: 'Heartbeat',
  decode: (r) => {
    const req = { groupId: r.string(), generationId: r.int32(), memberId: r.string() };
    r.nullableString(); // group instance id
    return req;
  },
  encode: (w, res) => {
    w.int32(0).int16(res.errorCode);
  },
};
