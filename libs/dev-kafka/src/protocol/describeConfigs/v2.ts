import { ApiKey, type Codec } from '../codec';

export interface DescribeConfigsRequest {
  resources: { resourceType: number; resourceName: string; configNames: string[] | null }[];
  includeSynonyms: boolean;
}

export interface DescribedConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  /** 1 = set on the topic, 5 = default. */
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

export const describeConfigsV2: Codec<DescribeConfigsRequest, DescribeConfigsResponse> = {
  apiKey: ApiKey.DescribeConfigs,
  version: 2,
  name: 'DescribeConfigs',
  decode: (r) => ({
    resources: r.array((r) => ({
      resourceType: r.int8(),
      resourceName: r.string(),
      configNames: r.nullableArray((r) => r.string()),
    })),
    includeSynonyms: r.bool(),
  }),
  encode: (w, res) => {
    w.int32(0);
    w.array(res.resources, (w, rs) => {
      w.int16(rs.errorCode).nullableString(rs.errorMessage).int8(rs.resourceType).string(rs.resourceName);
      w.array(rs.configs, (w, c) => {
        w.string(c.name).nullableString(c.value).bool(c.readOnly).int8(c.source).bool(c.isSensitive);
        // The only synonym of a config is itself at its own level.
        w.array([c], (w, s) => w.string(s.name).nullableString(s.value).int8(s.source));
      });
    });
  },
};
