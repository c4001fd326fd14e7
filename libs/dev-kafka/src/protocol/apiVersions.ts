import { ApiKey, type Codec } from './codec';
import type { Writer } from './writer';

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsRequest {
  /** v3+: what the client says it is (KIP-511); kept for logs and DescribeGroups-style tooling. */
  clientSoftwareName: string | null;
  clientSoftwareVersion: string | null;
}

export interface ApiVersionsResponse {
  errorCode: number;
  apiVersions: ApiVersionRange[];
}

/**
 * ApiVersions v0–v4. v1 adds throttle time; v3 is flexible and carries the client software name and
 * version; v4 only changes what a broker may answer an unknown version with. Its response header is
 * always the v0 one, so a client can read it whatever version it tried.
 */
export const apiVersions: Codec<ApiVersionsRequest, ApiVersionsResponse> = {
  apiKey: ApiKey.ApiVersions,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,
  decode: (r, v) => {
    if (v < 3) return { clientSoftwareName: null, clientSoftwareVersion: null };
    const req = { clientSoftwareName: r.string(), clientSoftwareVersion: r.string() };
    r.tags();
    return req;
  },
  encode: (w, res, v) => {
    w.int16(res.errorCode);
    writeRanges(w, res.apiVersions);
    if (v >= 1) w.int32(0);
    w.tags();
  },
};

export function writeRanges(w: Writer, ranges: ApiVersionRange[]): void {
  w.array(ranges, (w, a) => w.int16(a.apiKey).int16(a.minVersion).int16(a.maxVersion).tags());
}
