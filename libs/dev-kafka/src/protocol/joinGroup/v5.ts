import { ApiKey, type Codec } from '../codec';

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
  protocolName: string;
  leader: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export const joinGroupV5: Codec<JoinGroupRequest, JoinGroupResponse> = {
  apiKey: ApiKey.JoinGroup,
  version: 5,
  name: 'JoinGroup',
  decode: (r) => ({
    groupId: r.string(),
    sessionTimeoutMs: r.int32(),
    rebalanceTimeoutMs: r.int32(),
    memberId: r.string(),
    groupInstanceId: r.nullableString(),
    protocolType: r.string(),
    // Copied: member metadata outlives the request frame.
    protocols: r.array((r) => ({ name: r.string(), metadata: Buffer.from(r.bytes()) })),
  }),
  encode: (w, res) => {
    w.int32(0).int16(res.errorCode).int32(res.generationId).string(res.protocolName);
    w.string(res.leader).string(res.memberId);
    w.array(res.members, (w, m) => w.string(m.memberId).nullableString(m.groupInstanceId).bytes(m.metadata));
  },
};
