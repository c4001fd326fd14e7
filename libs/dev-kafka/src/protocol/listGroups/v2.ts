import { ApiKey, type Codec } from '../codec';

export type ListGroupsRequest = Record<string, never>;

export interface ListGroupsResponse {
  errorCode: number;
  groups: { groupId: string; protocolType: string }[];
}

export const listGroupsV2: Codec<ListGroupsRequest, ListGroupsResponse> = {
  apiKey: ApiKey.ListGroups,
  version: 2,
  name: 'ListGroups',
  decode: () => ({}),
  encode: (w, res) => {
    w.int32(0).int16(res.errorCode);
    w.array(res.groups, (w, g) => w.string(g.groupId).string(g.protocolType));
  },
};
