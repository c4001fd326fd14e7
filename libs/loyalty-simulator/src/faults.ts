/**
 * Faults the tests and the demo inject, each for the next `times` requests that reach the
 * platform (optionally only posting transactions): an error status before any work, a dropped
 * connection before or after the work (the latter is the ambiguous case: applied, answer lost),
 * or extra latency.
 */
export type FaultKind = 'error-500' | 'error-503' | 'error-429' | 'reset-before-apply' | 'reset-after-apply' | 'delay';

export interface FaultSpec {
  kind: FaultKind;
  /** How many requests it hits (default 1). */
  times?: number;
  /** Only requests that post transactions (default true). */
  transactionsOnly?: boolean;
  /** For 'delay'. */
  delayMs?: number;
}

interface Armed {
  spec: FaultSpec;
  left: number;
}

export class Faults {
  private readonly armed: Armed[] = [];
  fired = 0;

  inject(spec: FaultSpec): void {
    this.armed.push({ spec, left: spec.times ?? 1 });
  }

  /** The fault for this request, consumed. */
  take(isTransaction: boolean): FaultSpec | undefined {
    const index = this.armed.findIndex((a) => a.left > 0 && (isTransaction || a.spec.transactionsOnly === false));
    if (index < 0) return undefined;
    const armed = this.armed[index]!;
    armed.left -= 1;
    if (armed.left === 0) this.armed.splice(index, 1);
    this.fired += 1;
    return armed.spec;
  }

  clear(): void {
    this.armed.length = 0;
  }
}

/** Requests per second per API key, as a token bucket holding one second's worth. */
export class RateLimiter {
  private tokens: number;
  private last = Date.now();
  limited = 0;

  constructor(private perSecond: number) {
    this.tokens = perSecond;
  }

  setRate(perSecond: number): void {
    this.perSecond = perSecond;
    this.tokens = Math.min(this.tokens, perSecond);
  }

  get rate(): number {
    return this.perSecond;
  }

  /** undefined when allowed, else the seconds to wait. */
  take(): number | undefined {
    if (!Number.isFinite(this.perSecond)) return undefined;
    const now = Date.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }
    this.limited += 1;
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }
}
