import { ApiKey, type Codec } from '../codec';

export interface MetadataRequest {
  /** null means every topic. */
  topics: string[] | null;
  allowAutoTopicCreation: boolean;
}

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
}

export interface PartitionMetadata {
  errorCode: number;
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface TopicMetadata {
  errorCode: number;
  name: string;
  partitions: PartitionMetadata[];
}

export interface MetadataResponse {
  brokers: BrokerInfo[];
  clusterId: string;
  controllerId: number;
  topics: TopicMetadata[];
}

/**
 * Metadata v1–v6 differ only by fields added over time, so one layout serves them all:
 * v1 rack, controller and is_internal; v2 cluster id; v3 throttle time; v4 the auto-creation flag;
 * v5 offline replicas; v6 nothing on the wire.
 */
export function metadataLayout(version: number): Codec<MetadataRequest, MetadataResponse> {
  return {
    apiKey: ApiKey.Metadata,
    version,
    name: 'Metadata',
    decode: (r) => ({
      topics: r.nullableArray((r) => r.string()),
      allowAutoTopicCreation: version >= 4 ? r.bool() : true,
    }),
    encode: (w, res) => {
      if (version >= 3) w.int32(0);
      w.array(res.brokers, (w, b) => w.int32(b.nodeId).string(b.host).int32(b.port).nullableString(null));
      if (version >= 2) w.nullableString(res.clusterId);
      w.int32(res.controllerId);
      w.array(res.topics, (w, t) => {
        w.int16(t.errorCode).string(t.name).bool(false);
        w.array(t.partitions, (w, p) => {
          w.int16(p.errorCode).int32(p.partition).int32(p.leader);
          w.array(p.replicas, (w, n) => w.int32(n));
          w.array(p.isr, (w, n) => w.int32(n));
          if (version >= 5) w.array([], () => undefined);
        });
      });
    },
  };
}

export const metadataV6 = metadataLayout(6);
