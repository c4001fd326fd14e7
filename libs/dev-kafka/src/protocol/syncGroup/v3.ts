import { ApiKey, type Codec } from '../codec';

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface SyncGroupResponse {
  errorCode: number;
  assignment: Buffer;
}

export const syncGroupV3: Codec<SyncGroupRequest, SyncGroupResponse> = {
  apiKey: ApiKey.SyncGroup,
  version: 3,
  name: 'SyncGroup',
  decode: (r) => {
    const groupId = r.string();
    const generationId = r.int32();
    const memberId = r.string();
    r.nullableString(); // static membership is not supported
    const assignments = r.array((r) => ({ memberId: r.string(), assignment: Buffer.from(r.bytes()) }));
    return { groupId, generationId, memberId, assignments };
  },
  encode: (w, res) => {
    w.int32(0).int16(res.errorCode).bytes(res.assignment);
  },
};
