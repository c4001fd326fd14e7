import { alterConfigs, incrementalAlterConfigs } from '../protocol/alterConfigs';
import { apiVersions, writeRanges, type ApiVersionRange, type ApiVersionsRequest, type ApiVersionsResponse } from '../protocol/apiVersions';
import type { Codec } from '../protocol/codec';
import { createPartitions } from '../protocol/createPartitions';
import { createTopics } from '../protocol/createTopics';
import { deleteGroups } from '../protocol/deleteGroups';
import { deleteTopics } from '../protocol/deleteTopics';
import { describeConfigs } from '../protocol/describeConfigs';
import { describeGroups } from '../protocol/describeGroups';
import { ErrorCode } from '../protocol/errors';
import { fetch } from '../protocol/fetch';
import { findCoordinator } from '../protocol/findCoordinator';
import { heartbeat } from '../protocol/heartbeat';
import { initProducerId } from '../protocol/initProducerId';
import { joinGroup } from '../protocol/joinGroup';
import { leaveGroup } from '../protocol/leaveGroup';
import { listGroups } from '../protocol/listGroups';
import { listOffsets } from '../protocol/listOffsets';
import { metadata } from '../protocol/metadata';
import { offsetCommit } from '../protocol/offsetCommit';
import { offsetFetch } from '../protocol/offsetFetch';
import { produce } from '../protocol/produce';
import type { Reader } from '../protocol/reader';
import { syncGroup } from '../protocol/syncGroup';
import { addOffsetsToTxn, addPartitionsToTxn, endTxn, txnOffsetCommit } from '../protocol/transactions';
import type { Writer } from '../protocol/writer';
import type { BrokerContext, Handler, RequestContext } from './context';
import { handleFetch, handleListOffsets } from './handlers/fetch';
import {
  handleDeleteGroups,
  handleDescribeGroups,
  handleFindCoordinator,
  handleHeartbeat,
  handleJoinGroup,
  handleLeaveGroup,
  handleListGroups,
  handleOffsetCommit,
  handleOffsetFetch,
  handleSyncGroup,
} from './handlers/groups';
import { handleProduce } from './handlers/produce';
import { handleInitProducerId } from './handlers/producerId';
import { handleTxnPartitions, handleTxnSimple } from './handlers/transactions';
import {
  handleAlterConfigs,
  handleCreatePartitions,
  handleCreateTopics,
  handleDeleteTopics,
  handleDescribeConfigs,
  handleMetadata,
} from './handlers/topics';

/** An API's codec bound to its handler: decodes a request and returns the writer of its response, or null for none. */
export interface Route {
  apiKey: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  flexibleFrom: number;
  run(r: Reader, broker: BrokerContext, rc: RequestContext): Promise<((w: Writer) => void) | null>;
}

function route<Req, Res>(codec: Codec<Req, Res>, handler: Handler<Req, Res>): Route {
  return {
    apiKey: codec.apiKey,
    name: codec.name,
    minVersion: codec.minVersion,
    maxVersion: codec.maxVersion,
    flexibleFrom: codec.flexibleFrom,
    run: async (r, broker, rc) => {
      const res = await handler(codec.decode(r, rc.apiVersion), broker, rc);
      return res === null ? null : (w) => codec.encode(w, res, rc.apiVersion);
    },
  };
}

const handleApiVersions: Handler<ApiVersionsRequest, ApiVersionsResponse> = (req, broker, rc) => {
  if (req.clientSoftwareName !== null) {
    broker.log.debug('client software', { clientId: rc.clientId, name: req.clientSoftwareName, version: req.clientSoftwareVersion });
  }
  return { errorCode: ErrorCode.NONE, apiVersions: advertisedVersions() };
};

const ROUTES: Route[] = [
  route(apiVersions, handleApiVersions),
  route(metadata, handleMetadata),
  route(produce, handleProduce),
  route(fetch, handleFetch),
  route(listOffsets, handleListOffsets),
  route(findCoordinator, handleFindCoordinator),
  route(joinGroup, handleJoinGroup),
  route(syncGroup, handleSyncGroup),
  route(heartbeat, handleHeartbeat),
  route(leaveGroup, handleLeaveGroup),
  route(offsetCommit, handleOffsetCommit),
  route(offsetFetch, handleOffsetFetch),
  route(createTopics, handleCreateTopics),
  route(deleteTopics, handleDeleteTopics),
  route(createPartitions, handleCreatePartitions),
  route(describeGroups, handleDescribeGroups),
  route(listGroups, handleListGroups),
  route(describeConfigs, handleDescribeConfigs),
  route(alterConfigs, handleAlterConfigs),
  route(incrementalAlterConfigs, handleAlterConfigs),
  route(deleteGroups, handleDeleteGroups),
  route(initProducerId, handleInitProducerId),
  route(addPartitionsToTxn, handleTxnPartitions),
  route(txnOffsetCommit, handleTxnPartitions),
  route(addOffsetsToTxn, handleTxnSimple),
  route(endTxn, handleTxnSimple),
];

const BY_KEY = new Map<number, Route>(ROUTES.map((r) => [r.apiKey, r]));

/** The route of an API whatever the version; callers check the version against its range. */
export function findRoute(apiKey: number): Route | undefined {
  return BY_KEY.get(apiKey);
}

/** Read from the codecs, so the broker advertises exactly the ranges it serves. */
export function advertisedVersions(): ApiVersionRange[] {
  return ROUTES.map((r) => ({ apiKey: r.apiKey, minVersion: r.minVersion, maxVersion: r.maxVersion }));
}

/** The ApiVersions v0 body with error 35: what Kafka answers an ApiVersions version it does not know, so the client retries lower. */
export function unsupportedApiVersions(w: Writer): void {
  w.int16(ErrorCode.UNSUPPORTED_VERSION);
  writeRanges(w, advertisedVersions());
}
