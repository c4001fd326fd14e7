import { ApiKey, type Codec } from '../codec';

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

export const describeGroupsV2: Codec<DescribeGroupsRequest, DescribeGroupsResponse> = {
  apiKey: ApiKey.DescribeGroups,
  version: 2,
  name: 'DescribeGroups',
  decode: (r) => ({ groupIds: r.array((r) => r.string()) }),
  encode: (w, res) => {
    w.int32(0);
    w.array(res.groups, (w, g) => {
      w.int16(g.errorCode).string(g.groupId).string(g.state).string(g.protocolType).string(g.protocol);
      w.array(g.members, (w, m) =>
        w.string(m.memberId).string(m.clientId).string(m.clientHost).bytes(m.metadata).bytes(m.assignment),
      );
    });
  },
};
