import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger';
import { ErrorCode } from '../protocol/errors';
import type { DescribedGroup } from '../protocol/describeGroups';
import type { HeartbeatRequest } from '../protocol/heartbeat';
import type { ListedGroup } from '../protocol/listGroups';
import type { JoinGroupRequest } from '../protocol/joinGroup';
import type { LeaveGroupRequest, LeaveGroupResponse } from '../protocol/leaveGroup';
import type { SyncGroupRequest } from '../protocol/syncGroup';
import { chooseProtocol, newGroup, type Group, type JoinResult, type Member } from './group';
import type { OffsetStore } from './offsetStore';

const MIN_SESSION_TIMEOUT_MS = 1000;
const MAX_SESSION_TIMEOUT_MS = 1_800_000;
const EMPTY = Buffer.alloc(0);

function joinError(errorCode: number, memberId: string): JoinResult {
  return { errorCode, generationId: -1, protocolName: '', leader: '', memberId, members: [] };
}

/**
 * The group membership protocol: members join, the leader's assignment is relayed on sync, and
 * heartbeats keep sessions alive. A member whose session lapses is expelled and the group rebalances.
 * New groups complete their first join at once (no initial delay).
 */
export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();

  constructor(
    readonly offsets: OffsetStore,
    private readonly log: Logger,
  ) {}

  group(id: string): Group | undefined {
    return this.groups.get(id);
  }

  join(req: JoinGroupRequest, clientId: string, clientHost: string): Promise<JoinResult> {
    if (!req.groupId) return Promise.resolve(joinError(ErrorCode.INVALID_GROUP_ID, req.memberId));
    if (req.sessionTimeoutMs < MIN_SESSION_TIMEOUT_MS || req.sessionTimeoutMs > MAX_SESSION_TIMEOUT_MS) {
      return Promise.resolve(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId));
    }
    let group = this.groups.get(req.groupId);
    if (!group) this.groups.set(req.groupId, (group = newGroup(req.groupId)));
    const others = [...group.members.values()].filter((m) => m.memberId !== req.memberId);
    const compatible =
      others.length === 0 ||
      (group.protocolType === req.protocolType &&
        req.protocols.some((p) => others.every((m) => m.protocols.some((q) => q.name === p.name))));
    if (!compatible) return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));

    let member: Member | undefined;
    if (req.memberId === '') {
      member = {
        memberId: `${clientId}-${randomUUID()}`,
        clientId,
        clientHost,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        protocols: req.protocols,
        assignment: EMPTY,
        awaitingJoin: null,
        awaitingSync: null,
        sessionTimer: null,
      };
      group.members.set(member.memberId, member);
    } else {
      member = group.members.get(req.memberId);
      if (!member) return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
      member.protocols = req.protocols;
      member.sessionTimeoutMs = req.sessionTimeoutMs;
      member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    }
    group.protocolType = req.protocolType;
    const joined = member;
    const result = new Promise<JoinResult>((resolve) => {
      joined.awaitingJoin?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, joined.memberId));
      joined.awaitingJoin = resolve;
    });
    // A member waiting in JoinGroup cannot heartbeat; the rebalance timeout bounds its wait instead.
    this.stopSession(member);
    if (group.state !== 'PreparingRebalance') this.prepareRebalance(group, `member ${member.memberId} joined`);
    this.tryCompleteJoin(group);
    return result;
  }

  private prepareRebalance(group: Group, reason: string): void {
    this.log.info('group rebalancing', { group: group.id, reason, generation: group.generationId });
    for (const m of group.members.values()) {
      m.awaitingSync?.(ErrorCode.REBALANCE_IN_PROGRESS, EMPTY);
      m.awaitingSync = null;
    }
    group.state = 'PreparingRebalance';
    const timeout = Math.max(0, ...[...group.members.values()].map((m) => m.rebalanceTimeoutMs));
    if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = setTimeout(() => this.onRebalanceTimeout(group), timeout);
  }

  private onRebalanceTimeout(group: Group): void {
    group.rebalanceTimer = null;
    for (const m of [...group.members.values()]) {
      if (!m.awaitingJoin) this.removeMember(group, m, 'did not rejoin within the rebalance timeout');
    }
    this.completeJoin(group);
  }

  private tryCompleteJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return;
    for (const m of group.members.values()) if (!m.awaitingJoin) return;
    this.completeJoin(group);
  }

  private completeJoin(group: Group): void {
    if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = null;
    if (group.members.size === 0) {
      this.becomeEmpty(group);
      return;
    }
    const leader = group.members.get(group.leader) ?? group.members.values().next().value!;
    group.leader = leader.memberId;
    group.generationId++;
    group.protocol = chooseProtocol(group, leader) ?? leader.protocols[0]?.name ?? '';
    group.state = 'CompletingRebalance';
    const metadataOf = (m: Member) => m.protocols.find((p) => p.name === group.protocol)?.metadata ?? EMPTY;
    const roster = [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: null,
      metadata: metadataOf(m),
    }));
    for (const m of group.members.values()) {
      const respond = m.awaitingJoin;
      m.awaitingJoin = null;
      m.assignment = EMPTY;
      this.startSession(group, m);
      respond?.({
        errorCode: ErrorCode.NONE,
        generationId: group.generationId,
        protocolName: group.protocol,
        leader: group.leader,
        memberId: m.memberId,
        members: m.memberId === group.leader ? roster : [],
      });
    }
    this.log.info('group rebalanced', { group: group.id, generation: group.generationId, members: group.members.size });
  }

  private becomeEmpty(group: Group): void {
    if (group.rebalanceTimer) clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = null;
    group.state = 'Empty';
    group.generationId++;
    group.leader = '';
    group.protocol = '';
  }

  private startSession(group: Group, m: Member): void {
    this.stopSession(m);
    m.sessionTimer = setTimeout(() => {
      m.sessionTimer = null;
      this.removeMember(group, m, 'session timed out');
      this.membershipChanged(group, `member ${m.memberId} expired`);
    }, m.sessionTimeoutMs);
  }

  private stopSession(m: Member): void {
    if (m.sessionTimer) clearTimeout(m.sessionTimer);
    m.sessionTimer = null;
  }

  private removeMember(group: Group, m: Member, why: string): void {
    this.log.info('member removed', { group: group.id, member: m.memberId, why });
    this.stopSession(m);
    group.members.delete(m.memberId);
    m.awaitingJoin?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, m.memberId));
    m.awaitingSync?.(ErrorCode.UNKNOWN_MEMBER_ID, EMPTY);
    m.awaitingJoin = null;
    m.awaitingSync = null;
  }

  private membershipChanged(group: Group, reason: string): void {
    if (group.state === 'PreparingRebalance') {
      if (group.members.size === 0) this.becomeEmpty(group);
      else this.tryCompleteJoin(group);
    } else if (group.state !== 'Empty') {
      if (group.members.size === 0) this.becomeEmpty(group);
      else this.prepareRebalance(group, reason);
    }
  }

  /** Checks a member's generation; returns an error code or the member. */
  private validate(groupId: string, memberId: string, generationId: number): number | { group: Group; member: Member } {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    return { group, member };
  }

  sync(req: SyncGroupRequest): Promise<{ errorCode: number; assignment: Buffer }> {
    const v = this.validate(req.groupId, req.memberId, req.generationId);
    if (typeof v === 'number') return Promise.resolve({ errorCode: v, assignment: EMPTY });
    const { group, member } = v;
    this.startSession(group, member);
    if (group.state === 'PreparingRebalance') {
      return Promise.resolve({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
    }
    if (group.state === 'Stable') return Promise.resolve({ errorCode: ErrorCode.NONE, assignment: member.assignment });
    const result = new Promise<{ errorCode: number; assignment: Buffer }>((resolve) => {
      member.awaitingSync = (errorCode, assignment) => resolve({ errorCode, assignment });
    });
    if (member.memberId === group.leader) {
      for (const a of req.assignments) {
        const target = group.members.get(a.memberId);
        if (target) target.assignment = a.assignment;
      }
      group.state = 'Stable';
      for (const m of group.members.values()) {
        m.awaitingSync?.(ErrorCode.NONE, m.assignment);
        m.awaitingSync = null;
      }
    }
    return result;
  }

  heartbeat(req: HeartbeatRequest): number {
    const v = this.validate(req.groupId, req.memberId, req.generationId);
    if (typeof v === 'number') return v;
    this.startSession(v.group, v.member);
    return v.group.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  leave(req: LeaveGroupRequest): LeaveGroupResponse {
    const group = this.groups.get(req.groupId);
    const members = req.members.map((m) => {
      const member = group?.members.get(m.memberId);
      if (!group || !member) return { ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
      this.removeMember(group, member, 'left the group');
      return { ...m, errorCode: ErrorCode.NONE };
    });
    if (group) this.membershipChanged(group, 'member left');
    return { errorCode: ErrorCode.NONE, members };
  }

  /** Whether a member may commit now; admin commits (generation −1) need an empty group. */
  checkCommit(groupId: string, memberId: string, generationId: number): number {
    const group = this.groups.get(groupId);
    if (generationId < 0 && memberId === '') {
      return !group || group.members.size === 0 ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
    }
    const v = this.validate(groupId, memberId, generationId);
    if (typeof v === 'number') return v;
    if (v.group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    this.startSession(v.group, v.member);
    return ErrorCode.NONE;
  }

  describe(groupId: string): DescribedGroup {
    const group = this.groups.get(groupId);
    if (!group) {
      const state = this.offsets.has(groupId) ? 'Empty' : 'Dead';
      return { errorCode: ErrorCode.NONE, groupId, state, protocolType: '', protocol: '', members: [] };
    }
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      state: group.state,
      protocolType: group.protocolType,
      protocol: group.state === 'Stable' ? group.protocol : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: m.protocols.find((p) => p.name === group.protocol)?.metadata ?? EMPTY,
        assignment: m.assignment,
      })),
    };
  }

  list(): ListedGroup[] {
    const ids = new Set([...this.groups.keys(), ...this.offsets.groupIds()]);
    return [...ids].map((groupId) => {
      const group = this.groups.get(groupId);
      return { groupId, protocolType: group?.protocolType || 'consumer', state: group?.state ?? 'Empty' };
    });
  }

  delete(groupId: string): number {
    const group = this.groups.get(groupId);
    if (group && group.members.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    if (!group && !this.offsets.has(groupId)) return ErrorCode.GROUP_ID_NOT_FOUND;
    this.groups.delete(groupId);
    this.offsets.deleteGroup(groupId);
    return ErrorCode.NONE;
  }

  close(): void {
    for (const g of this.groups.values()) {
      if (g.rebalanceTimer) clearTimeout(g.rebalanceTimer);
      for (const m of g.members.values()) this.stopSession(m);
    }
  }
}
