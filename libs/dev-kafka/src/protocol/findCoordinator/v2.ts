import { ApiKey, type Codec } from '../codec';

export interface FindCoordinatorRequest {
  key: string;
  keyType: number;
}

export interface FindCoordinatorResponse {
  errorCode: number;
  nodeId: number;
  host: string;
  port: number;
}

export const findCoordinatorV2: Codec<FindCoordinatorRequest, FindCoordinatorResponse> = {
  apiKey: ApiKey.FindCoordinator,
  version: 2,
  name: 'FindCoordinator',
  decode: (r) => ({ key: r.string(), keyType: r.int8() }),
  encode: (w, res) => {
    w.int32(0).int16(res.errorCode).nullableString(null).int32(res.nodeId).string(res.host).int32(res.port);
  },
};
