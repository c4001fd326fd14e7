import { ErrorCode } from '../../protocol/errors';
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/deleteGroups/v1';
import type { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/describeGroups/v2';
import type { FindCoordinatorRequest, FindCoordinatorResponse } from '../../protocol/findCoordinator/v2';
import type { HeartbeatRequest, HeartbeatResponse } from '../../protocol/heartbeat/v3';
import type { JoinGroupRequest, JoinGroupResponse } from '../../protocol/joinGroup/v5';
import type { LeaveGroupRequest, LeaveGroupResponse } from '../../protocol/leaveGroup/v3';
import type { ListGroupsRequest, ListGroupsResponse } from '../../protocol/listGroups/v2';
import type { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/offsetCommit/v5';
import type { OffsetFetchRequest, OffsetFetchResponse } from '../../protocol/offsetFetch/v4';
import type { SyncGroupRequest, SyncGroupResponse } from '../../protocol/syncGroup/v3';
import type { Handler } from '../context';

/** This broker coordinates every group (and would every transaction). */
export const handleFindCoordinator: Handler<FindCoordinatorRequest, FindCoordinatorResponse> = (_req, broker) => ({
  errorCode: ErrorCode.NONE,
  nodeId: broker.nodeId,
  host: broker.host,
  port: broker.port,
});

export const handleJoinGroup: Handler<JoinGroupRequest, JoinGroupResponse> = (req, broker, rc) =>
  broker.groups.join(req, rc.clientId, rc.clientHost);

export const handleSyncGroup: Handler<SyncGroupRequest, SyncGroupResponse> = (req, broker) => broker.groups.sync(req);

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

export const handleOffsetFetch: Handler<OffsetFetchRequest, OffsetFetchResponse> = (req, broker) => {
  const store = broker.groups.offsets;
  const wanted =
    req.topics ?? [...store.all(req.groupId)].map(([name, partitions]) => ({ name, partitions: [...partitions.keys()] }));
  return {
    errorCode: ErrorCode.NONE,
    topics: wanted.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((partition) => {
        const c = store.get(req.groupId, t.name, partition);
        return { partition, offset: c?.offset ?? -1, metadata: c?.metadata ?? '', errorCode: ErrorCode.NONE };
      }),
    })),
  };
};

export const handleDescribeGroups: Handler<DescribeGroupsRequest, DescribeGroupsResponse> = (req, broker) => ({
  groups: req.groupIds.map((id) => broker.groups.describe(id)),
});

export const handleListGroups: Handler<ListGroupsRequest, ListGroupsResponse> = (_req, broker) => ({
  errorCode: ErrorCode.NONE,
  groups: broker.groups.list(),
});

export const handleDeleteGroups: Handler<DeleteGroupsRequest, DeleteGroupsResponse> = (req, broker) => ({
  results: req.groupIds.map((groupId) => ({ groupId, errorCode: broker.groups.delete(groupId) })),
});
