import { ApiKey, type Codec } from './codec';

export interface LeaveGroupRequest {
  groupId: string;
  members: { memberId: string; groupInstanceId: string | null }[];
}

export interface LeaveGroupResponse {
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

/** LeaveGroup v0–v5: v1 throttle; v3 batches members; v4 flexible; v5 a reason per member. */
export const leaveGroup: Codec<LeaveGroupRequest, LeaveGroupResponse> = {
  apiKey: ApiKey.LeaveGroup,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 4,
  decode: (r, v) => {
    const groupId = r.string();
    const members =
      v >= 3
        ? r.array((r) => {
            const m = { memberId: r.string(), groupInstanceId: r.nullableString() };
            if (v >= 5) r.nullableString(); // reason
            r.tags();
            return m;
          })
        : [{ memberId: r.string(), groupInstanceId: null }];
    r.tags();
    return { groupId, members };
  },
  encode: (w, res, v) => {
    if (v >= 1) w.int32(0);
    // Before v3 there is one member and one code: the member's own failure is the answer.
    const single = res.errorCode !== 0 ? res.errorCode : (res.members[0]?.errorCode ?? 0);
    w.int16(v >= 3 ? res.errorCode : single);
    if (v >= 3) {
      w.array(res.members, (w, m) => w.string(m.memberId).nullableString(m.groupInstanceId).int16(m.errorCode).tags());
    }
    w.tags();
  },
};
