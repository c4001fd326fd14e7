import { ErrorCode } from '../../protocol/errors';
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/deleteGroups';
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/describeGroups';
import type { FindCoordinatorRequest, FindCoordinatorResponse } from '../../protocol/findCoordinator';
import type { HeartbeatRequest, HeartbeatResponse } from '../../protocol/heartbeat';
import type { JoinGroupRequest, JoinGroupResponse } from '../../protocol/joinGroup';
import type { LeaveGroupRequest, LeaveGroupResponse } from '../../protocol/leaveGroup';
import type { ListGroupsRequest, ListGroupsResponse } from '../../protocol/listGroups';
import type { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/offsetCommit';
import type { OffsetFetchGroupRequest, OffsetFetchGroupResult, OffsetFetchRequest, OffsetFetchResponse } from '../../protocol/offsetFetch';
import type { SyncGroupRequest, SyncGroupResponse } from '../../protocol/syncGroup';
import type { BrokerContext, Handler } from '../context';

/** This broker coordinates every group (and is named for transactions too, which InitProducerId then refuses). */
export const handleFindCoordinator: Handler<FindCoordinatorRequest, FindCoordinatorResponse> = (req, broker) => ({
  coordinators: req.keys.map((key) => ({
    key,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    nodeId: broker.nodeId,
    host: broker.host,
    port: broker.port,
  })),
});

export const handleJoinGroup: Handler<JoinGroupRequest, JoinGroupResponse> = async (req, broker, rc) => ({
  ...(await broker.groups.join(req, rc.clientId, rc.clientHost)),
  protocolType: req.protocolType,
});

/** v5+ answers name the protocol; the request carries the one the member is in. */
export const handleSyncGroup: Handler<SyncGroupRequest, SyncGroupResponse> = async (req, broker) => ({
  ...(await broker.groups.sync(req)),
  protocolType: req.protocolType,
  protocolName: req.protocolName,
});

export const handleHeartbeat: Handler<HeartbeatRequest, HeartbeatResponse> = (req, broker) => ({
  errorCode: broker.groups.heartbeat(req),
});

export const handleLeaveGroup: Handler<LeaveGroupRequest, LeaveGroupResponse> = (req, broker) => broker.groups.leave(req);

export const handleOffsetCommit: Handler<OffsetCommitRequest, OffsetCommitResponse> = (req, broker) => {
  const errorCode = broker.groups.checkCommit(req.groupId, req.memberId, req.generationId);
  return {
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        if (errorCode === ErrorCode.NONE) {
          broker.groups.offsets.set(req.groupId, t.name, p.partition, { offset: p.offset, metadata: p.metadata });
        }
        return { partition: p.partition, errorCode };
      }),
    })),
  };
};

function fetchGroupOffsets(broker: BrokerContext, req: OffsetFetchGroupRequest): OffsetFetchGroupResult {
  const store = broker.groups.offsets;
  const wanted =
    req.topics ?? [...store.all(req.groupId)].map(([name, partitions]) => ({ name, partitions: [...partitions.keys()] }));
  return {
    groupId: req.groupId,
    errorCode: ErrorCode.NONE,
    topics: wanted.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((partition) => {
        const c = store.get(req.groupId, t.name, partition);
        return { partition, offset: c?.offset ?? -1, metadata: c?.metadata ?? '', errorCode: ErrorCode.NONE };
      }),
    })),
  };
}

export const handleOffsetFetch: Handler<OffsetFetchRequest, OffsetFetchResponse> = (req, broker) => ({
  groups: req.groups.map((g) => fetchGroupOffsets(broker, g)),
});

export const handleDescribeGroups: Handler<DescribeGroupsRequest, DescribeGroupsResponse> = (req, broker) => ({
  groups: req.groupIds.map((id) => broker.groups.describe(id)),
});

export const handleListGroups: Handler<ListGroupsRequest, ListGroupsResponse> = (req, broker) => {
  const states = new Set(req.statesFilter.map((s) => s.toLowerCase()));
  return {
    errorCode: ErrorCode.NONE,
    groups: broker.groups.list().filter((g) => states.size === 0 || states.has(g.state.toLowerCase())),
  };
};

export const handleDeleteGroups: Handler<DeleteGroupsRequest, DeleteGroupsResponse> = (req, broker) => ({
  results: req.groupIds.map((groupId) => ({ groupId, errorCode: broker.groups.delete(groupId) })),
});
