import { ApiKey, type Codec } from '../codec';

export interface DeleteGroupsRequest {
  groupIds: string[];
}

export interface DeleteGroupsResponse {
  results: { groupId: string; errorCode: number }[];
}

export const deleteGroupsV1: Codec<DeleteGroupsRequest, DeleteGroupsResponse> = {
  apiKey: ApiKey.DeleteGroups,
  version: 1,
  name: 'DeleteGroups',
  decode: (r) => ({ groupIds: r.array((r) => r.string()) }),
  encode: (w, res) => {
    w.int32(0);
    w.array(res.results, (w, g) => w.string(g.groupId).int16(g.errorCode));
  },
};
