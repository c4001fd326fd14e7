import { ApiKey, type Codec } from './codec';

export interface GroupProtocol {
  name: string;
  metadata: Buffer;
}

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: GroupProtocol[];
}

export interface JoinGroupResponse {
  errorCode: number;
  generationId: number;
  protocolType?: string | null;
  protocolName: string;
  leader: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

/**
 * JoinGroup v0–v9: v1 rebalance timeout (v0 uses the session timeout for both); v2 throttle;
 * v5 group instance id; v6 flexible; v7 protocol type in the answer and nullable protocol name;
 * v8 a leave reason; v9 skip_assignment (always false here).
 */
export const joinGroup: Codec<JoinGroupRequest, JoinGroupResponse> = {
  apiKey: ApiKey.JoinGroup,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 9,
  flexibleFrom: 6,
  decode: (r, v) => {
    const groupId = r.string();
    const sessionTimeoutMs = r.int32();
    const rebalanceTimeoutMs = v >= 1 ? r.int32() : sessionTimeoutMs;
    const memberId = r.string();
    const groupInstanceId = v >= 5 ? r.nullableString() : null;
    const protocolType = r.string();
    // Copied: member metadata outlives the request frame.
    const protocols = r.array((r) => {
      const p = { name: r.string(), metadata: Buffer.from(r.bytes()) };
      r.tags();
      return p;
    });
    if (v >= 8) r.nullableString(); // reason
    r.tags();
    return { groupId, sessionTimeoutMs, rebalanceTimeoutMs, memberId, groupInstanceId, protocolType, protocols };
  },
  encode: (w, res, v) => {
    if (v >= 2) w.int32(0);
    w.int16(res.errorCode).int32(res.generationId);
    if (v >= 7) w.nullableString(res.protocolType ?? null).nullableString(res.protocolName || null);
    else w.string(res.protocolName);
    w.string(res.leader);
    if (v >= 9) w.bool(false);
    w.string(res.memberId);
    w.array(res.members, (w, m) => {
      w.string(m.memberId);
      if (v >= 5) w.nullableString(m.groupInstanceId);
      w.bytes(m.metadata).tags();
    });
    w.tags();
  },
};
