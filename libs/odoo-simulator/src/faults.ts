export type FaultKind = 'http500' | 'exception' | 'lock' | 'serialization' | 'rate_limit' | 'timeout' | 'stall';

/** stall: where the call hangs, relative to its database commit. */
export type StallStage = 'before_commit' | 'after_commit';

export interface FaultSpec {
  kind: FaultKind;
  /** Applies to the next `count` matching calls (default 1 when no probability is given). */
  count?: number;
  /** Applies to each matching call with this probability, until cleared. */
  probability?: number;
  /** Restrict to one model and/or method. */
  model?: string;
  method?: string;
  /** rate_limit: Retry-After header value in seconds. */
  retryAfterSeconds?: number;
  /** timeout: how long the answer is held after the call committed. */
  holdMs?: number;
  /** timeout: 'drop' closes the connection after holdMs, 'late' answers after holdMs. */
  timeoutMode?: 'drop' | 'late';
  /**
   * stall: 'before_commit' holds the worker `holdMs` before the call runs (it commits afterwards,
   * while the caller may have given up); 'after_commit' runs and commits it, then holds the answer.
   * Either way a worker still busy at the simulator's limit_time_real is killed: the connection is
   * dropped and, before the commit, the call is never applied.
   */
  stage?: StallStage;
  /** exception: Python exception name and message to raise (answered as Odoo answers any exception). */
  exceptionName?: string;
  message?: string;
}

interface ActiveFault extends FaultSpec {
  id: number;
  remaining: number | null;
}

const KINDS: readonly FaultKind[] = ['http500', 'exception', 'lock', 'serialization', 'rate_limit', 'timeout', 'stall'];

export function validateFault(input: unknown): FaultSpec {
  if (!input || typeof input !== 'object') throw new Error('fault must be an object');
  const f = input as Record<string, unknown>;
  if (!KINDS.includes(f.kind as FaultKind)) throw new Error(`fault.kind must be one of ${KINDS.join(', ')}`);
  const positiveInt = (k: string) => {
    if (f[k] !== undefined && !(Number.isInteger(f[k]) && (f[k] as number) >= 0)) throw new Error(`fault.${k} must be a non-negative integer`);
  };
  positiveInt('count');
  positiveInt('retryAfterSeconds');
  positiveInt('holdMs');
  if (f.probability !== undefined && !(typeof f.probability === 'number' && f.probability >= 0 && f.probability <= 1)) {
    throw new Error('fault.probability must be between 0 and 1');
  }
  if (f.timeoutMode !== undefined && f.timeoutMode !== 'drop' && f.timeoutMode !== 'late') {
    throw new Error("fault.timeoutMode must be 'drop' or 'late'");
  }
  if (f.stage !== undefined && f.stage !== 'before_commit' && f.stage !== 'after_commit') {
    throw new Error("fault.stage must be 'before_commit' or 'after_commit'");
  }
  for (const k of ['model', 'method', 'exceptionName', 'message']) {
    if (f[k] !== undefined && typeof f[k] !== 'string') throw new Error(`fault.${k} must be a string`);
  }
  return f as unknown as FaultSpec;
}

/** Faults armed for coming calls, by count or by probability. */
export class FaultInjector {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  constructor(private random: () => number = Math.random) {}

  add(spec: FaultSpec): number {
    const id = this.nextId++;
    const remaining = spec.probability !== undefined && spec.count === undefined ? null : (spec.count ?? 1);
    this.faults.push({ ...spec, id, remaining });
    return id;
  }

  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clear(): void {
    this.faults = [];
  }

  take(model: string, method: string): FaultSpec | undefined {
    for (const fault of this.faults) {
      if (fault.model && fault.model !== model) continue;
      if (fault.method && fault.method !== method) continue;
      if (fault.probability !== undefined && this.random() >= fault.probability) continue;
      if (fault.remaining !== null) {
        fault.remaining -= 1;
        if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
      }
      return fault;
    }
    return undefined;
  }
}
