import type { Codec } from '../protocol/codec';
import { apiVersionsV0, type ApiVersionRange, type ApiVersionsRequest, type ApiVersionsResponse } from '../protocol/apiVersions/v0';
import { apiVersionsV1 } from '../protocol/apiVersions/v1';
import { apiVersionsV2 } from '../protocol/apiVersions/v2';
import { createPartitionsV1 } from '../protocol/createPartitions/v1';
import { createTopicsV3 } from '../protocol/createTopics/v3';
import { deleteGroupsV1 } from '../protocol/deleteGroups/v1';
import { deleteTopicsV1 } from '../protocol/deleteTopics/v1';
import { describeConfigsV2 } from '../protocol/describeConfigs/v2';
import { describeGroupsV2 } from '../protocol/describeGroups/v2';
import { ErrorCode } from '../protocol/errors';
import { fetchV4 } from '../protocol/fetch/v4';
import { fetchV5 } from '../protocol/fetch/v5';
import { fetchV6 } from '../protocol/fetch/v6';
import { fetchV7 } from '../protocol/fetch/v7';
import { fetchV8 } from '../protocol/fetch/v8';
import { fetchV9 } from '../protocol/fetch/v9';
import { fetchV10 } from '../protocol/fetch/v10';
import { fetchV11 } from '../protocol/fetch/v11';
import { findCoordinatorV2 } from '../protocol/findCoordinator/v2';
import { heartbeatV3 } from '../protocol/heartbeat/v3';
import { initProducerIdV1 } from '../protocol/initProducerId/v1';
import { joinGroupV5 } from '../protocol/joinGroup/v5';
import { leaveGroupV3 } from '../protocol/leaveGroup/v3';
import { listGroupsV2 } from '../protocol/listGroups/v2';
import { listOffsetsV1 } from '../protocol/listOffsets/v1';
import { listOffsetsV2 } from '../protocol/listOffsets/v2';
import { listOffsetsV3 } from '../protocol/listOffsets/v3';
import { metadataV1 } from '../protocol/metadata/v1';
import { metadataV2 } from '../protocol/metadata/v2';
import { metadataV3 } from '../protocol/metadata/v3';
import { metadataV4 } from '../protocol/metadata/v4';
import { metadataV5 } from '../protocol/metadata/v5';
import { metadataV6 } from '../protocol/metadata/v6';
import { offsetCommitV5 } from '../protocol/offsetCommit/v5';
import { offsetFetchV4 } from '../protocol/offsetFetch/v4';
import { produceV3 } from '../protocol/produce/v3';
import { produceV4 } from '../protocol/produce/v4';
import { produceV5 } from '../protocol/produce/v5';
import { produceV6 } from '../protocol/produce/v6';
import { produceV7 } from '../protocol/produce/v7';
import type { Reader } from '../protocol/reader';
import { syncGroupV3 } from '../protocol/syncGroup/v3';
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
import {
  handleCreatePartitions,
  handleCreateTopics,
  handleDeleteTopics,
  handleDescribeConfigs,
  handleMetadata,
} from './handlers/topics';

/** A decoded request turned into a function that writes its response body, or null for no response. */
export interface Route {
  apiKey: number;
  version: number;
  name: string;
  run(r: Reader, broker: BrokerContext, rc: RequestContext): Promise<((w: Writer) => void) | null>;
}

function route<Req, Res>(codec: Codec<Req, Res>, handler: Handler<Req, Res>): Route {
  return {
    apiKey: codec.apiKey,
    version: codec.version,
    name: codec.name,
    run: async (r, broker, rc) => {
      const res = await handler(codec.decode(r), broker, rc);
      return res === null ? null : (w) => codec.encode(w, res);
    },
  };
}

const handleApiVersions: Handler<ApiVersionsRequest, ApiVersionsResponse> = () => ({
  errorCode: ErrorCode.NONE,
  apiVersions: advertisedVersions(),
});

const ROUTES: Route[] = [
  route(apiVersionsV0, handleApiVersions),
  route(apiVersionsV1, handleApiVersions),
  route(apiVersionsV2, handleApiVersions),
  route(metadataV1, handleMetadata),
  route(metadataV2, handleMetadata),
  route(metadataV3, handleMetadata),
  route(metadataV4, handleMetadata),
  route(metadataV5, handleMetadata),
  route(metadataV6, handleMetadata),
  route(produceV3, handleProduce),
  route(produceV4, handleProduce),
  route(produceV5, handleProduce),
  route(produceV6, handleProduce),
  route(produceV7, handleProduce),
  route(fetchV4, handleFetch),
  route(fetchV5, handleFetch),
  route(fetchV6, handleFetch),
  route(fetchV7, handleFetch),
  route(fetchV8, handleFetch),
  route(fetchV9, handleFetch),
  route(fetchV10, handleFetch),
  route(fetchV11, handleFetch),
  route(listOffsetsV1, handleListOffsets),
  route(listOffsetsV2, handleListOffsets),
  route(listOffsetsV3, handleListOffsets),
  route(findCoordinatorV2, handleFindCoordinator),
  route(joinGroupV5, handleJoinGroup),
  route(syncGroupV3, handleSyncGroup),
  route(heartbeatV3, handleHeartbeat),
  route(leaveGroupV3, handleLeaveGroup),
  route(offsetCommitV5, handleOffsetCommit),
  route(offsetFetchV4, handleOffsetFetch),
  route(createTopicsV3, handleCreateTopics),
  route(deleteTopicsV1, handleDeleteTopics),
  route(createPartitionsV1, handleCreatePartitions),
  route(describeGroupsV2, handleDescribeGroups),
  route(listGroupsV2, handleListGroups),
  route(describeConfigsV2, handleDescribeConfigs),
  route(deleteGroupsV1, handleDeleteGroups),
  route(initProducerIdV1, handleInitProducerId),
];

const BY_KEY = new Map<number, Map<number, Route>>();
for (const r of ROUTES) {
  let versions = BY_KEY.get(r.apiKey);
  if (!versions) BY_KEY.set(r.apiKey, (versions = new Map()));
  versions.set(r.version, r);
}

export function findRoute(apiKey: number, version: number): Route | undefined {
  return BY_KEY.get(apiKey)?.get(version);
}

/** Derived from the routes, so the broker advertises exactly the versions it implements. */
export function advertisedVersions(): ApiVersionRange[] {
  return [...BY_KEY].map(([apiKey, versions]) => {
    const list = [...versions.keys()];
    return { apiKey, minVersion: Math.min(...list), maxVersion: Math.max(...list) };
  });
}

/** The ApiVersions v0 body that tells a client which versions to retry with. */
export function unsupportedApiVersions(w: Writer): void {
  apiVersionsV0.encode(w, { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiVersions: advertisedVersions() });
}
