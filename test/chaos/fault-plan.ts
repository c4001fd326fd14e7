/**
 * The seeded fault schedule of a chaos run. Scenario `standard`: SIGKILLs of every service at
 * random moments (at least 20 per service per 10 minutes), one restart each of PostgreSQL, the
 * broker and the registry, and one Odoo outage. Scenario `database`: every service's PostgreSQL
 * connections terminated (pg_terminate_backend) every few seconds, one PostgreSQL restart and one
 * registry restart. `all`: both at once. The same seed, scenario and duration give the same plan.
 */

import { seededRandom } from '@retail-backbone/local-platform';

export type FaultKind = 'kill' | 'pg-terminate' | 'postgres-restart' | 'kafka-restart' | 'registry-restart' | 'odoo-outage';
export type Scenario = 'standard' | 'database' | 'all';
export const SCENARIOS: readonly Scenario[] = ['standard', 'database', 'all'];

export interface PlannedFault {
  kind: FaultKind;
  /** ms after traffic starts. */
  atMs: number;
  /** kill: the service. */
  service?: string;
  /** outage / restart: how long the piece stays down. */
  downMs: number;
}

export interface FaultPlanOptions {
  durationMs: number;
  services: readonly string[];
  seed: number;
  /** Default standard. */
  scenario?: Scenario;
  /** Odoo outage length (default 5 minutes, at most half the run). */
  odooOutageMs?: number;
  /** Time between two terminations of every service connection (default 3 s). */
  terminateEveryMs?: number;
}


export const KILLS_PER_SERVICE_PER_10_MIN = 20;
const ODOO_OUTAGE_DEFAULT_MS = 5 * 60_000;

export function killsPerService(durationMs: number): number {
  return Math.max(1, Math.ceil((KILLS_PER_SERVICE_PER_10_MIN * durationMs) / 600_000));
}

export function buildFaultPlan(options: FaultPlanOptions): PlannedFault[] {
  const { durationMs, seed } = options;
  if (!(durationMs > 0)) throw new RangeError(`duration must be > 0 ms, got ${durationMs}`);
  const scenario = options.scenario ?? 'standard';
  const rnd = seededRandom(seed);
  const faults: PlannedFault[] = [];
  const around = (fraction: number) => Math.round(durationMs * (fraction + (rnd() - 0.5) * 0.06));
  const restartDown = Math.min(3_000, Math.max(500, durationMs / 100));
  if (scenario !== 'database') {
    const kills = killsPerService(durationMs);
    // Kills fall in [5 %, 90 %] of the traffic window, one per equal slot at a random point in it,
    // so a service gets a moment to come back between two kills.
    const start = durationMs * 0.05;
    const slot = (durationMs * 0.85) / kills;
    for (const service of options.services) {
      for (let i = 0; i < kills; i += 1) faults.push({ kind: 'kill', service, atMs: Math.round(start + slot * (i + rnd())), downMs: 0 });
    }
    const outage = Math.min(options.odooOutageMs ?? ODOO_OUTAGE_DEFAULT_MS, Math.round(durationMs / 2));
    faults.push({ kind: 'odoo-outage', atMs: around(0.15), downMs: outage });
  }
  // Drawn in this order so a seed gives the standard plan it gave before scenarios existed.
  faults.push({ kind: 'postgres-restart', atMs: around(0.3), downMs: restartDown });
  if (scenario !== 'database') faults.push({ kind: 'kafka-restart', atMs: around(0.5), downMs: restartDown });
  faults.push({ kind: 'registry-restart', atMs: around(0.7), downMs: restartDown });
  if (scenario !== 'standard') {
    const every = options.terminateEveryMs ?? 3_000;
    for (let at = Math.round(durationMs * 0.05 + rnd() * every); at < durationMs * 0.95; at += every) faults.push({ kind: 'pg-terminate', atMs: at, downMs: 0 });
  }
  return faults.sort((a, b) => a.atMs - b.atMs);
}
