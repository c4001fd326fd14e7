import { ApiKey, type Codec } from '../codec';
import { writeRanges, type ApiVersionsRequest, type ApiVersionsResponse } from './v0';

export const apiVersionsV1: Codec<ApiVersionsRequest, ApiVersionsResponse> = {
  apiKey: ApiKey.ApiVersions,
  version: 1,
  name: 'ApiVersions',
  decode: () => ({ version: 1 }),
  encode: (w, res) => {
    w.int16(res.errorCode);
    writeRanges(w, res.apiVersions);
    w.int32(0);
  },
};
