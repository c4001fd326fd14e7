import { createHash } from 'node:crypto';
import { ApiKey, AUTHORIZED_OPERATIONS_OMITTED, type Codec } from './codec';

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

/** Topics have no stored id here; a stable one derived from the name lets v10+ clients key on it. */
export function topicId(name: string): Buffer {
  return createHash('md5').update(name).digest();
}

/**
 * Metadata v0–v12. v0 asks for every topic with an empty list (later versions with null); v1 rack,
 * controller and is_internal; v2 cluster id; v3 throttle time; v4 the auto-creation flag; v5 offline
 * replicas; v7 leader epochs; v8 authorized operations; v9 flexible; v10 topic ids; v11 drops the
 * cluster operations; v12 nullable topic names.
 */
export const metadata: Codec<MetadataRequest, MetadataResponse> = {
  apiKey: ApiKey.Metadata,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 12,
  flexibleFrom: 9,
  decode: (r, v) => {
    const list = r.nullableArray((r) => {
      if (v >= 10) r.uuid();
      const name = r.nullableString();
      r.tags();
      return name;
    });
    const allowAutoTopicCreation = v >= 4 ? r.bool() : true;
    if (v >= 8 && v <= 10) r.bool(); // include cluster authorized operations
    if (v >= 8) r.bool(); // include topic authorized operations
    r.tags();
    // Lookups by topic id alone (a null name) are not served: no topic has a stored id.
    const names = list?.filter((n): n is string => n !== null) ?? null;
    return { topics: v === 0 && names?.length === 0 ? null : names, allowAutoTopicCreation };
  },
  encode: (w, res, v) => {
    if (v >= 3) w.int32(0);
    w.array(res.brokers, (w, b) => {
      w.int32(b.nodeId).string(b.host).int32(b.port);
      if (v >= 1) w.nullableString(null);
      w.tags();
    });
    if (v >= 2) w.nullableString(res.clusterId);
    if (v >= 1) w.int32(res.controllerId);
    w.array(res.topics, (w, t) => {
      w.int16(t.errorCode).string(t.name);
      if (v >= 10) w.uuid(topicId(t.name));
      if (v >= 1) w.bool(false);
      w.array(t.partitions, (w, p) => {
        w.int16(p.errorCode).int32(p.partition).int32(p.leader);
        if (v >= 7) w.int32(0);
        w.array(p.replicas, (w, n) => w.int32(n));
        w.array(p.isr, (w, n) => w.int32(n));
        if (v >= 5) w.array([], () => undefined);
        w.tags();
      });
      if (v >= 8) w.int32(AUTHORIZED_OPERATIONS_OMITTED);
      w.tags();
    });
    if (v >= 8 && v <= 10) w.int32(AUTHORIZED_OPERATIONS_OMITTED);
    w.tags();
  },
};
