import { ApiKey, type Codec } from '../codec';

export interface LeaveGroupRequest {
  groupId: string;
  members: { memberId: string; groupInstanceId: string | null }[];
}

export interface LeaveGroupResponse {
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export const leaveGroupV3: Codec<LeaveGroupRequest, LeaveGroupResponse> = {
  apiKey: ApiKey.LeaveGroup,
  version: 3,
  name: 'LeaveGroup',
  decode: (r) => ({
    groupId: r.string(),
    members: r.array((r) => ({ memberId: r.string(), groupInstanceId: r.nullableString() })),
  }),
  encode: (w, res) => {
    w.int32(0).int16(res.errorCode);
    w.array(res.members, (w, m) => w.string(m.memberId).nullableString(m.groupInstanceId).int16(m.errorCode));
  },
};
