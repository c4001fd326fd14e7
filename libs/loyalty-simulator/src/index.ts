import type { FaultSpec } from './faults';
import { createApp } from './http-app';
import type { Member, Transaction } from './ledger';
import { LoyaltySimulator, type LoyaltySimulatorOptions, type OutageMode } from './simulator';

export type { FaultKind, FaultSpec } from './faults';
export type { Member, Transaction, TransactionType } from './ledger';
export type { LoyaltySimulatorOptions, OutageMode };

export interface RunningLoyaltySimulator {
  url: string;
  apiKey: string;
  control: {
    reset(): Promise<void>;
    injectFault(fault: FaultSpec): void;
    clearFaults(): void;
    /** 'refused' closes the listening socket; null restores service. */
    setOutage(mode: OutageMode | null, opts?: { durationMs?: number }): Promise<void>;
    setRateLimit(perSecond: number): void;
    enroll(member: { memberId?: string; refs?: string[] }): Member;
  };
  /** Balance of a member by member id or reference; throws for an unknown one. */
  balance(ref: string): number;
  transactions(ref?: string): Transaction[];
  members(): Member[];
  stats(): { requests: number; applied: number; rateLimited: number; replays: number; faultsFired: number; ratePerSecond: number };
  stop(): Promise<void>;
}

export async function startLoyaltySimulator(options: LoyaltySimulatorOptions = {}): Promise<RunningLoyaltySimulator> {
  const sim = new LoyaltySimulator(options);
  const url = await sim.start(createApp(sim));
  return {
    url,
    apiKey: sim.apiKey,
    control: {
      reset: () => sim.reset(),
      injectFault: (fault) => sim.faults.inject(fault),
      clearFaults: () => sim.faults.clear(),
      setOutage: (mode, opts) => sim.setOutage(mode, opts),
      setRateLimit: (perSecond) => sim.limiter.setRate(perSecond),
      enroll: (member) => sim.ledger.enroll(member),
    },
    balance: (ref) => sim.ledger.balance(ref),
    transactions: (ref) => sim.ledger.transactions(ref),
    members: () => sim.ledger.memberList(),
    stats: () => ({
      requests: sim.stats.requests,
      applied: sim.stats.applied,
      rateLimited: sim.limiter.limited,
      replays: sim.keys.replays,
      faultsFired: sim.faults.fired,
      ratePerSecond: sim.limiter.rate,
    }),
    stop: () => sim.stop(),
  };
}
