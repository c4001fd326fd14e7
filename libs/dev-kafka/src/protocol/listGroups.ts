import { ApiKey, type Codec } from './codec';

export interface ListGroupsRequest {
  /** v4+: only groups in these states; empty means all. */
  statesFilter: string[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  state: string;
}

export interface ListGroupsResponse {
  errorCode: number;
  groups: ListedGroup[];
}

/** ListGroups v0–v4: v1 throttle; v3 flexible; v4 state filter and each group's state. */
export const listGroups: Codec<ListGroupsRequest, ListGroupsResponse> = {
  apiKey: ApiKey.ListGroups,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,
  decode: (r, v) => {
    const statesFilter = v >= 4 ? r.array((r) => r.string()) : [];
    r.tags();
    return { statesFilter };
  },
  encode: (w, res, v) => {
    if (v >= 1) w.int32(0);
    w.int16(res.errorCode);
    w.array(res.groups, (w, g) => {
      w.string(g.groupId).string(g.protocolType);
      if (v >= 4) w.string(g.state);
      w.tags();
    });
    w.tags();
  },
};
