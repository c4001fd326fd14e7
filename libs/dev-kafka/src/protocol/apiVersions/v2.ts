import { ApiKey, type Codec } from '../codec';
import { apiVersionsV1 } from './v1';
import type { ApiVersionsRequest, ApiVersionsResponse } from './v0';

/** Same layout as v1; v2 only changes how clients treat throttling. */
export const apiVersionsV2: Codec<ApiVersionsRequest, ApiVersionsResponse> = {
  ...apiVersionsV1,
  apiKey: ApiKey.ApiVersions,
  version: 2,
  decode: () => ({ version: 2 }),
};
