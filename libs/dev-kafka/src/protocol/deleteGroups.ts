import { ApiKey, type Codec } from './codec';

export interface DeleteGroupsRequest {
  groupIds: string[];
}

export interface DeleteGroupsResponse {
  results: { groupId: string; errorCode: number }[];
}

/** DeleteGroups v0–v2: v2 flexible. */
export const deleteGroups: Codec<DeleteGroupsRequest, DeleteGroupsResponse> = {
  apiKey: ApiKey.DeleteGroups,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,
  decode: (r) => {
    const groupIds = r.array((r) => r.string());
    r.tags();
    return { groupIds };
  },
  encode: (w, res) => {
    w.int32(0);
    w.array(res.results, (w, g) => w.string(g.groupId).int16(g.errorCode).tags());
    w.tags();
  },
};
