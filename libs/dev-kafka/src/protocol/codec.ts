import type { Reader } from './reader';
import type { Writer } from './writer';

/**
 * One API across the versions this broker speaks: a request decoder and a response encoder that
 * take the version, as Kafka's own message specs do. Versions from `flexibleFrom` on use compact
 * strings/arrays and tagged fields (the Reader/Writer switch on that; the codecs only place `tags()`).
 */
export interface Codec<Req, Res> {
  apiKey: number;
  name: string;
  /** The range advertised in ApiVersions and served. */
  minVersion: number;
  maxVersion: number;
  /** First flexible version; Infinity when the API has none here. */
  flexibleFrom: number;
  decode(r: Reader, version: number): Req;
  encode(w: Writer, res: Res, version: number): void;
}

export const NOT_FLEXIBLE = Number.POSITIVE_INFINITY;

/** Authorized-operations fields answer this when the client did not ask for them (Kafka's "omitted"). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  CreatePartitions: 37,
  DeleteGroups: 42,
  IncrementalAlterConfigs: 44,
} as const;
