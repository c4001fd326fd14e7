import type { Reader } from './reader';
import type { Writer } from './writer';

/** One API version: a request decoder and a response encoder, nothing else. */
export interface Codec<Req, Res> {
  apiKey: number;
  version: number;
  name: string;
  decode(r: Reader): Req;
  encode(w: Writer, res: Res): void;
}

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
  DescribeConfigs: 32,
  CreatePartitions: 37,
  DeleteGroups: 42,
} as const;
