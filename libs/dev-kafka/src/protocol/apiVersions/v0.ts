import { ApiKey, type Codec } from '../codec';

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsRequest {
  version: number;
}

export interface ApiVersionsResponse {
  errorCode: number;
  apiVersions: ApiVersionRange[];
}

export function writeRanges(w: import('../writer').Writer, ranges: ApiVersionRange[]): void {
  w.array(ranges, (w, a) => w.int16(a.apiKey).int16(a.minVersion).int16(a.maxVersion));
}

/** Also the shape of the answer to any ApiVersions version this broker does not implement. */
export const apiVersionsV0: Codec<ApiVersionsRequest, ApiVersionsResponse> = {
  apiKey: ApiKey.ApiVersions,
  version: 0,
  name: 'ApiVersions',
  decode: () => ({ version: 0 }),
  encode: (w, res) => {
    w.int16(res.errorCode);
    writeRanges(w, res.apiVersions);
  },
};
