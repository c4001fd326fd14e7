import { ApiKey, type Codec } from './codec';

export interface DescribeConfigsRequest {
  resources: { resourceType: number; resourceName: string; configNames: string[] | null }[];
  includeSynonyms: boolean;
}

export interface DescribedConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  /** 1 = set on the topic, 4 = static broker config, 5 = default. */
  source: number;
  isSensitive: boolean;
}

export interface DescribeConfigsResponse {
  resources: {
    errorCode: number;
    errorMessage: string | null;
    resourceType: number;
    resourceName: string;
    configs: DescribedConfig[];
  }[];
}

const SOURCE_DEFAULT = 5;
/** ConfigType STRING: this broker keeps every value as a string. */
const TYPE_STRING = 2;

/** DescribeConfigs v0–v4: v1 sources and synonyms (v0 has is_default); v3 types and documentation; v4 flexible. */
export const describeConfigs: Codec<DescribeConfigsRequest, DescribeConfigsResponse> = {
  apiKey: ApiKey.DescribeConfigs,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 4,
  decode: (r, v) => {
    const resources = r.array((r) => {
      const res = { resourceType: r.int8(), resourceName: r.string(), configNames: r.nullableArray((r) => r.string()) };
      r.tags();
      return res;
    });
    const includeSynonyms = v >= 1 ? r.bool() : false;
    if (v >= 3) r.bool(); // include documentation: there is none to include
    r.tags();
    return { resources, includeSynonyms };
  },
  encode: (w, res, v) => {
    w.int32(0);
    w.array(res.resources, (w, rs) => {
      w.int16(rs.errorCode).nullableString(rs.errorMessage).int8(rs.resourceType).string(rs.resourceName);
      w.array(rs.configs, (w, c) => {
        w.string(c.name).nullableString(c.value).bool(c.readOnly);
        if (v === 0) w.bool(c.source === SOURCE_DEFAULT);
        else w.int8(c.source);
        w.bool(c.isSensitive);
        // The only synonym of a config is itself at its own level.
        if (v >= 1) w.array([c], (w, s) => w.string(s.name).nullableString(s.value).int8(s.source).tags());
        if (v >= 3) w.int8(TYPE_STRING).nullableString(null);
        w.tags();
      });
      w.tags();
    });
    w.tags();
  },
};
