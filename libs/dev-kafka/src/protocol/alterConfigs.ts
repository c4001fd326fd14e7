import { ApiKey, type Codec } from './codec';

/** IncrementalAlterConfigs operations; AlterConfigs replaces a resource's whole config set instead. */
export const ConfigOperation = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

export interface ConfigChange {
  name: string;
  /** Always SET for AlterConfigs. */
  operation: number;
  value: string | null;
}

export interface AlterConfigsRequest {
  /** true for AlterConfigs (configs not named are reset to defaults), false for the incremental API. */
  replace: boolean;
  resources: { resourceType: number; resourceName: string; configs: ConfigChange[] }[];
  validateOnly: boolean;
}

export interface AlterConfigsResponse {
  resources: { errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string }[];
}

function encodeResults(w: import('./writer').Writer, res: AlterConfigsResponse): void {
  w.int32(0);
  w.array(res.resources, (w, r) => w.int16(r.errorCode).nullableString(r.errorMessage).int8(r.resourceType).string(r.resourceName).tags());
  w.tags();
}

/** AlterConfigs v0–v2: v2 flexible. */
export const alterConfigs: Codec<AlterConfigsRequest, AlterConfigsResponse> = {
  apiKey: ApiKey.AlterConfigs,
  name: 'AlterConfigs',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 2,
  decode: (r) => {
    const resources = r.array((r) => {
      const resourceType = r.int8();
      const resourceName = r.string();
      const configs = r.array((r) => {
        const c = { name: r.string(), operation: ConfigOperation.SET as number, value: r.nullableString() };
        r.tags();
        return c;
      });
      r.tags();
      return { resourceType, resourceName, configs };
    });
    const validateOnly = r.bool();
    r.tags();
    return { replace: true, resources, validateOnly };
  },
  encode: (w, res) => encodeResults(w, res),
};

/** IncrementalAlterConfigs v0–v1: v1 flexible. */
export const incrementalAlterConfigs: Codec<AlterConfigsRequest, AlterConfigsResponse> = {
  apiKey: ApiKey.IncrementalAlterConfigs,
  name: 'IncrementalAlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: 1,
  decode: (r) => {
    const resources = r.array((r) => {
      const resourceType = r.int8();
      const resourceName = r.string();
      const configs = r.array((r) => {
        const c = { name: r.string(), operation: r.int8(), value: r.nullableString() };
        r.tags();
        return c;
      });
      r.tags();
      return { resourceType, resourceName, configs };
    });
    const validateOnly = r.bool();
    r.tags();
    return { replace: false, resources, validateOnly };
  },
  encode: (w, res) => encodeResults(w, res),
};
