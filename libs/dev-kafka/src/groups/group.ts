import type { GroupProtocol } from '../protocol/joinGroup';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolName: string;
  leader: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface Member {
  memberId: string;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: GroupProtocol[];
  assignment: Buffer;
  /** Set while the member waits in JoinGroup for the rebalance to finish. */
  awaitingJoin: ((res: JoinResult) => void) | null;
  /** Set while the member waits in SyncGroup for the leader's assignment. */
  awaitingSync: ((errorCode: number, assignment: Buffer) => void) | null;
  sessionTimer: NodeJS.Timeout | null;
}

export interface Group {
  id: string;
  state: GroupState;
  generationId: number;
  protocolType: string;
  protocol: string;
  leader: string;
  members: Map<string, Member>;
  rebalanceTimer: NodeJS.Timeout | null;
}

export function newGroup(id: string): Group {
  return {
    id,
    state: 'Empty',
    generationId: 0,
    protocolType: '',
    protocol: '',
    leader: '',
    members: new Map(),
    rebalanceTimer: null,
  };
}

/** The leader's most preferred protocol that every member also supports. */
export function chooseProtocol(group: Group, leader: Member): string | undefined {
  const all = [...group.members.values()];
  return leader.protocols.find((p) => all.every((m) => m.protocols.some((q) => q.name === p.name)))?.name;
}
