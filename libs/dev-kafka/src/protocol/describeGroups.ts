import { ApiKey, AUTHORIZED_OPERATIONS_OMITTED, type Codec } from './codec';

export interface DescribeGroupsRequest {
  groupIds: string[];
}

export interface DescribedMember {
  memberId: string;
  clientId: string;
  clientHost: string;
  metadata: Buffer;
  assignment: Buffer;
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: DescribedMember[];
}

export interface DescribeGroupsResponse {
  groups: DescribedGroup[];
}

/** DescribeGroups v0–v5: v1 throttle; v3 authorized operations; v4 group instance ids; v5 flexible. */
export const describeGroups: Codec<DescribeGroupsRequest, DescribeGroupsResponse> = {
  apiKey: ApiKey.DescribeGroups,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 5,
  decode: (r, v) => {
    const groupIds = r.array((r) => r.string());
    if (v >= 3) r.bool(); // include authorized operations
    r.tags();
    return { groupIds };
  },
  encode: (w, res, v) => {
    if (v >= 1) w.int32(0);
    w.array(res.groups, (w, g) => {
      w.int16(g.errorCode).string(g.groupId).string(g.state).string(g.protocolType).string(g.protocol);
      w.array(g.members, (w, m) => {
        w.string(m.memberId);
        if (v >= 4) w.nullableString(null);
        w.string(m.clientId).string(m.clientHost).bytes(m.metadata).bytes(m.assignment).tags();
      });
      if (v >= 3) w.int32(AUTHORIZED_OPERATIONS_OMITTED);
      w.tags();
    });
    w.tags();
  },
};
