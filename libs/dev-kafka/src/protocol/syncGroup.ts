import { ApiKey, type Codec } from './codec';

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface SyncGroupResponse {
  errorCode: number;
  protocolType?: string | null;
  protocolName?: string | null;
  assignment: Buffer;
}

/** SyncGroup v0–v5: v1 throttle; v3 group instance id; v4 flexible; v5 protocol type and name both ways. */
export const syncGroup: Codec<SyncGroupRequest, SyncGroupResponse> = {
  apiKey: ApiKey.SyncGroup,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 4,
  decode: (r, v) => {
    const groupId = r.string();
    const generationId = r.int32();
    const memberId = r.string();
    if (v >= 3) r.nullableString(); // static membership is not supported
    const protocolType = v >= 5 ? r.nullableString() : null;
    const protocolName = v >= 5 ? r.nullableString() : null;
    const assignments = r.array((r) => {
      const a = { memberId: r.string(), assignment: Buffer.from(r.bytes()) };
      r.tags();
      return a;
    });
    r.tags();
    return { groupId, generationId, memberId, protocolType, protocolName, assignments };
  },
  encode: (w, res, v) => {
    if (v >= 1) w.int32(0);
    w.int16(res.errorCode);
    if (v >= 5) w.nullableString(res.protocolType ?? null).nullableString(res.protocolName ?? null);
    w.bytes(res.assignment).tags();
  },
};
