import { context, SpanKind, SpanStatusCode, trace, type Link } from '@opentelemetry/api';
import { extractTraceContext, withCorrelationId, type Logger, type Registry } from '@retail-backbone/observability';
import Bottleneck from 'bottleneck';
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  timeout,
  type CircuitBreakerPolicy,
  type IBackoff,
  type TimeoutPolicy,
} from 'cockatiel';
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { buildEnvelope } from '../envelope';
import type { EmitEvent } from '../consumer/runner';
import { recordEvents } from '../outbox/record';
import { effectMetrics, type EffectMetrics } from './metrics';
import { EffectStore, errorText, type EffectCause, type EffectRow } from './store';

/** How a thrown error is read: 'retry' proves the call was not applied; 'ambiguous' may have been; 'failed' is a refusal. */
export type EffectErrorClass = 'retry' | 'ambiguous' | 'failed';

export type EffectOutcome<R> =
  | { status: 'done'; result: R }
  /** Refused for a business reason: recorded, retried on the slow schedule (or by the CLI). */
  | { status: 'failed'; error: unknown }
  /** Known not to have been applied: retried with backoff and jitter. */
  | { status: 'retry'; error: unknown }
  /** May have been applied: looked up once the other side's time limit has passed. */
  | { status: 'ambiguous'; error: unknown };

export interface ClaimedEffect<P = Record<string, unknown>> {
  id: string;
  key: string;
  kind: string;
  aggregate: string;
  payload: P;
  /** 1 for the first attempt. */
  attempt: number;
  /** Business failures so far. */
  failures: number;
  /**
   * An earlier attempt may have reached the other side: look the effect up there before
   * performing it. Only ever true once that attempt's time limit has passed.
   */
  lookFirst: boolean;
  cause: EffectCause;
}

/** The completion transaction of an effect: record its outcome and emit through the outbox. */
export interface CompletionContext {
  tx: PoolClient;
  /** Records an event in the outbox, caused by and correlated with the event behind the effect. */
  emit(event: EmitEvent): Promise<void>;
  logger: Logger;
}

export interface EffectDefinition<P = Record<string, unknown>, R = unknown> {
  kind: string;
  /**
   * Performs effects (up to batchSize at once), outside any database transaction; one outcome per
   * effect, in order. A throw counts for all of them, read by `classify`. The signal aborts when
   * the attempt timed out: stop making further calls.
   */
  perform(effects: Array<ClaimedEffect<P>>, signal: AbortSignal): Promise<Array<EffectOutcome<R>>>;
  onDone?(ctx: CompletionContext, effect: ClaimedEffect<P>, result: R): Promise<void>;
  onFailed?(ctx: CompletionContext, effect: ClaimedEffect<P>, error: unknown): Promise<void>;
  /** Reads a thrown error; the default, 'ambiguous', is the safe one. */
  classify?(error: unknown): EffectErrorClass;
  batchSize?: number;
  /** Batches of this kind performed at once (default 1): a stalled one leaves the others going. */
  concurrency?: number;
  /**
   * A further batch of this kind starts only once every batch in flight has been performing this
   * long, or has finished its calls and is recording its outcomes (default 0: at once, up to
   * `concurrency`). Effects recorded meanwhile fill the next batch instead of going out in small
   * or competing ones, while a batch that stalls still leaves the others going after this delay.
   */
  overlapAfterMs?: number;
  /** Bound on one attempt (default 60 s); hitting it is an ambiguous failure. */
  timeoutMs?: number;
  /** Attempts started per second for this kind (bottleneck), unlimited when absent. */
  ratePerSecond?: number;
  /**
   * Consecutive infrastructure failures that open this kind's circuit (default 5); false: none.
   * `policy`: a circuit shared with other kinds (and observed by the service) instead of one of
   * its own, when several kinds call the same outside system; it decides which errors count.
   */
  breaker?: { threshold: number; halfOpenAfterMs: number } | { policy: CircuitBreakerPolicy; halfOpenAfterMs: number } | false;
  /** The other side's own time limit plus a margin; defaults to the executor's. */
  ambiguityWindowMs?: number;
  /** Delay before a failed effect is tried again (default 30 s doubling to 1 h). */
  failedRetryDelayMs?(failures: number): number;
}

export interface EffectExecutorOptions {
  pool: Pool;
  schema: string;
  /** Service name and region stamped on the events emitted on completion. */
  service: string;
  region: string;
  logger: Logger;
  registry: Registry;
  // Definitions of any payload and result types; each is only ever handed its own effects.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definitions: Array<EffectDefinition<any, any>>;
  /** Lease owner name (default: a random one per executor). */
  workerId?: string;
  /** Idle time between claim passes when nothing is due (default 50 ms). */
  pollIntervalMs?: number;
  /** Lease of a claimed effect, renewed every third of it while performing (default 15 s). */
  leaseMs?: number;
  /**
   * Wait after an ambiguous failure, or after a claim whose worker vanished, before the effect is
   * looked up: the other side's time limit plus a margin of at least a lease renewal interval
   * (default 130 s, Odoo's limit_time_real of 120 s + 10 s).
   */
  ambiguityWindowMs?: number;
  retryInitialDelayMs?: number;
  retryMaxDelayMs?: number;
}

export const DEFAULT_AMBIGUITY_WINDOW_MS = 130_000;

/** Odoo's limit_time_real default (120 s) plus a margin, or ODOO_LIMIT_TIME_REAL_MS plus the margin. */
export function odooAmbiguityWindowMs(limitTimeRealMs = 120_000, marginMs = 10_000): number {
  return limitTimeRealMs + marginMs;
}

export function defaultFailedRetryDelayMs(failures: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, failures - 1), 3_600_000);
}

interface Kind {
  def: EffectDefinition<Record<string, unknown>, unknown>;
  inFlight: number;
  /** Start times of the batches in flight. */
  started: Set<{ at: number }>;
  overlapAfterMs: number;
  concurrency: number;
  batchSize: number;
  window: number;
  breaker: CircuitBreakerPolicy | undefined;
  halfOpenAfterMs: number;
  /** When the circuit last opened: claims wait halfOpenAfterMs, then one attempt probes it. */
  openedAt: number;
  timeout: TimeoutPolicy;
  limiter: Bottleneck | undefined;
}

const COMPLETION_ATTEMPTS = 8;

/**
 * Performs recorded outside effects: claims runnable ones (leased, so replicas split the work;
 * one at a time per aggregate, in order; a waiting one holds up nothing), calls the other side
 * with no database transaction open — bounded by a timeout, a circuit breaker and a rate limit
 * per kind — and records each outcome, with the events it emits, in a short second transaction.
 * Retries back off with jitter; an ambiguous failure is looked up only after the other side's
 * time limit.
 */
export class EffectExecutor {
  readonly store: EffectStore;
  readonly workerId: string;
  private readonly kinds = new Map<string, Kind>();
  private readonly metrics: EffectMetrics;
  private readonly backoff: ExponentialBackoff<unknown>;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private running = false;
  private loopDone: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: EffectExecutorOptions) {
    this.store = new EffectStore(options.schema);
    this.workerId = options.workerId ?? `${options.service}-${randomUUID().slice(0, 8)}`;
    this.leaseMs = options.leaseMs ?? 15_000;
    this.pollMs = options.pollIntervalMs ?? 50;
    this.backoff = new ExponentialBackoff({ initialDelay: options.retryInitialDelayMs ?? 200, maxDelay: options.retryMaxDelayMs ?? 30_000 });
    const window = options.ambiguityWindowMs ?? DEFAULT_AMBIGUITY_WINDOW_MS;
    for (const def of options.definitions) {
      if (this.kinds.has(def.kind)) throw new TypeError(`EffectExecutor: kind ${def.kind} defined twice`);
      const classify = def.classify ?? (() => 'ambiguous' as const);
      const breaker =
        def.breaker === false
          ? undefined
          : def.breaker && 'policy' in def.breaker
            ? def.breaker.policy
            : circuitBreaker(
                handleWhen((e) => !(e instanceof BrokenCircuitError) && (e instanceof TaskCancelledError || classify(e) !== 'failed')),
                { halfOpenAfter: def.breaker?.halfOpenAfterMs ?? 5_000, breaker: new ConsecutiveBreaker(def.breaker?.threshold ?? 5) },
              );
      const halfOpenAfterMs = (def.breaker && def.breaker.halfOpenAfterMs) || 5_000;
      this.kinds.set(def.kind, {
        def,
        inFlight: 0,
        started: new Set(),
        overlapAfterMs: Math.max(0, def.overlapAfterMs ?? 0),
        concurrency: Math.max(1, def.concurrency ?? 1),
        batchSize: Math.max(1, def.batchSize ?? 1),
        window: def.ambiguityWindowMs ?? window,
        breaker,
        halfOpenAfterMs,
        openedAt: 0,
        timeout: timeout(def.timeoutMs ?? 60_000, TimeoutStrategy.Aggressive),
        limiter: def.ratePerSecond ? new Bottleneck({ minTime: Math.ceil(1000 / def.ratePerSecond) }) : undefined,
      });
      const kind = this.kinds.get(def.kind)!;
      breaker?.onBreak(() => (kind.openedAt = Date.now()));
    }
    this.metrics = effectMetrics(options.registry, this.store, options.pool);
  }

  /** True while the circuit of `kind` is open (its effects wait; nothing is called). */
  isOpen(kind: string): boolean {
    const breaker = this.kinds.get(kind)?.breaker;
    return breaker !== undefined && breaker.state === CircuitState.Open;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stops claiming and waits for the attempts in flight to be recorded. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loopDone;
    await Promise.allSettled([...this.inFlight]);
    for (const kind of this.kinds.values()) await kind.limiter?.stop({ dropWaitingJobs: false }).catch(() => undefined);
  }

  /** Claims at once instead of at the next poll (call after committing new effects). */
  wake(): void {
    this.wakeUp?.();
  }

  /** Batches being performed by this executor now. */
  get busy(): number {
    return [...this.kinds.values()].reduce((n, k) => n + k.inFlight, 0);
  }

  private async loop(): Promise<void> {
    let failures = 0;
    let backoff: IBackoff<unknown> | undefined;
    while (this.running) {
      let claimed = 0;
      try {
        claimed = await this.pass();
        failures = 0;
        backoff = undefined;
      } catch (error) {
        failures += 1;
        backoff = (backoff ?? this.backoff).next(undefined);
        // The database is unreachable or refused the claim: nothing was called; try again later.
        if (failures === 1 || failures % 20 === 0) this.options.logger.warn('effect claim failed', { error, consecutive_failures: failures });
        await this.idle(backoff.duration);
        continue;
      }
      if (claimed === 0) await this.idle(this.pollMs);
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }

  /**
   * An open circuit is only left (half-open) by an attempt made through it, so claims stop only
   * until the half-open delay has passed; then the next claimed batch is the probe.
   */
  private waitingForProbe(kind: Kind): boolean {
    return kind.breaker !== undefined && kind.breaker.state === CircuitState.Open && Date.now() - kind.openedAt < kind.halfOpenAfterMs;
  }

  /** One claim for every kind with a free slot and a closed (or half-open) circuit. */
  private async pass(): Promise<number> {
    const now = Date.now();
    const free = [...this.kinds.values()].filter(
      (k) => k.inFlight < k.concurrency && !this.waitingForProbe(k) && (k.overlapAfterMs === 0 || [...k.started].every((b) => now - b.at >= k.overlapAfterMs)),
    );
    if (free.length === 0) return 0;
    const limit = free.reduce((n, k) => n + k.batchSize * this.batchesToStart(k), 0);
    const rows = await this.store.claim(this.options.pool, {
      owner: this.workerId,
      kinds: free.map((k) => k.def.kind),
      limit,
      leaseMs: this.leaseMs,
      ambiguityWindowMs: (kind) => this.kinds.get(kind)!.window,
    });
    const byKind = new Map<string, EffectRow[]>();
    for (const row of rows) byKind.set(row.kind, [...(byKind.get(row.kind) ?? []), row]);
    const surplus: EffectRow[] = [];
    for (const [name, claimed] of byKind) {
      const kind = this.kinds.get(name)!;
      const batches = this.batchesToStart(kind);
      for (let i = 0, n = 0; i < claimed.length; i += kind.batchSize, n++) {
        const batch = claimed.slice(i, i + kind.batchSize);
        if (n >= batches) {
          surplus.push(...batch);
          continue;
        }
        kind.inFlight += 1;
        const startedAt = { at: Date.now() };
        kind.started.add(startedAt);
        const performed = () => {
          // Its calls are over (only its outcomes are being recorded): the next batch may start.
          if (kind.started.delete(startedAt)) this.wake();
        };
        const attempt = this.attempt(kind, batch, performed).finally(() => {
          kind.inFlight -= 1;
          performed();
          this.inFlight.delete(attempt);
          this.wake();
        });
        this.inFlight.add(attempt);
      }
    }
    await this.store.unclaim(this.options.pool, this.workerId, surplus, 0);
    return rows.length - surplus.length;
  }

  /**
   * Batches a pass may start for a kind with a free slot: every free slot, or only one when
   * batches overlap after a delay (the next one starts once this one has run overlapAfterMs).
   */
  private batchesToStart(kind: Kind): number {
    const free = kind.concurrency - kind.inFlight;
    return kind.overlapAfterMs > 0 ? Math.min(1, free) : free;
  }

  private async attempt(kind: Kind, rows: EffectRow[], performed: () => void): Promise<void> {
    const effects: ClaimedEffect[] = rows.map((r) => ({
      id: r.id,
      key: r.key,
      kind: r.kind,
      aggregate: r.aggregate,
      payload: r.payload,
      attempt: r.attempts,
      failures: r.failures,
      lookFirst: r.attempts > 1,
      cause: r.cause,
    }));
    const fence = rows.map((r) => ({ id: r.id, attempts: r.attempts }));
    const renew = setInterval(() => {
      this.store.renew(this.options.pool, this.workerId, fence.map((f) => f.id), this.leaseMs, kind.window).catch((error: unknown) =>
        this.options.logger.warn('effect lease renewal failed', { error, effect_kind: kind.def.kind }),
      );
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    renew.unref();
    const started = performance.now();
    let outcomes: Array<EffectOutcome<unknown>>;
    try {
      const call = () => this.inAttemptSpan(kind.def.kind, effects, () => kind.timeout.execute((_ctx, signal) => kind.def.perform(effects, signal)));
      const guarded = () => (kind.breaker ? kind.breaker.execute(call) : call());
      outcomes = await (kind.limiter ? kind.limiter.schedule(guarded) : guarded());
      if (outcomes.length !== effects.length) throw new Error(`effect kind ${kind.def.kind}: perform returned ${outcomes.length} outcomes for ${effects.length} effects`);
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        clearInterval(renew);
        // Nothing was sent: the claim is given back uncounted.
        await this.store.unclaim(this.options.pool, this.workerId, fence, 0).catch(() => undefined);
        return;
      }
      const cls: EffectErrorClass = error instanceof TaskCancelledError ? 'ambiguous' : (kind.def.classify?.(error) ?? 'ambiguous');
      outcomes = effects.map(() => ({ status: cls, error }));
    } finally {
      clearInterval(renew);
      performed();
    }
    this.metrics.attemptSeconds.observe({ kind: kind.def.kind }, (performance.now() - started) / 1000);
    await this.settle(kind, effects, fence, outcomes);
  }

  private async settle(kind: Kind, effects: ClaimedEffect[], fence: Array<{ id: string; attempts: number }>, outcomes: Array<EffectOutcome<unknown>>): Promise<void> {
    const name = kind.def.kind;
    const closing: number[] = [];
    const retry: number[] = [];
    const ambiguous: number[] = [];
    outcomes.forEach((o, i) => {
      this.metrics.attempts.inc({ kind: name, outcome: o.status });
      if (o.status === 'done' || o.status === 'failed') closing.push(i);
      else if (o.status === 'retry') retry.push(i);
      else ambiguous.push(i);
    });
    const pool = this.options.pool;
    try {
      if (retry.length > 0) {
        const first = outcomes[retry[0]!] as { error: unknown };
        const delay = this.retryDelay(Math.min(...retry.map((i) => effects[i]!.attempt)));
        await this.store.release(pool, this.workerId, retry.map((i) => fence[i]!), { state: 'pending', error: errorText(first.error), retryInMs: delay });
        this.options.logger.warn('outside effect not applied; retrying', { effect_kind: name, effects: retry.length, retry_in_ms: Math.round(delay), error: errorText(first.error) });
      }
      if (ambiguous.length > 0) {
        const first = outcomes[ambiguous[0]!] as { error: unknown };
        await this.store.release(pool, this.workerId, ambiguous.map((i) => fence[i]!), { state: 'unknown', error: errorText(first.error), retryInMs: kind.window });
        this.options.logger.warn("outside effect outcome unknown; looking it up once the other side's time limit has passed", {
          effect_kind: name,
          effects: ambiguous.length,
          look_up_in_ms: kind.window,
          error: errorText(first.error),
        });
      }
    } catch (error) {
      // Left leased: the lease runs out and next_attempt_at already keeps the ambiguity window.
      this.options.logger.warn('could not record an unfinished effect attempt', { error, effect_kind: name });
    }
    if (closing.length > 0) await this.complete(kind, closing.map((i) => ({ effect: effects[i]!, fence: fence[i]!, outcome: outcomes[i]! })));
  }

  /** The second, short transaction: outcome rows, the definition's own state and its events. */
  private async complete(kind: Kind, items: Array<{ effect: ClaimedEffect; fence: { id: string; attempts: number }; outcome: EffectOutcome<unknown> }>): Promise<void> {
    let backoff: IBackoff<unknown> | undefined;
    for (let attempt = 1; attempt <= COMPLETION_ATTEMPTS; attempt++) {
      const tx = await this.options.pool.connect().catch((error: unknown) => error as Error);
      if (tx instanceof Error) {
        backoff = (backoff ?? this.backoff).next(undefined);
        await new Promise((r) => setTimeout(r, backoff!.duration));
        continue;
      }
      try {
        await tx.query('BEGIN');
        const owned = await this.store.lockOwned(tx, this.workerId, items.map((i) => i.fence));
        for (const { effect, outcome } of items) {
          if (!owned.has(effect.id)) {
            this.options.logger.warn('effect lease lost before its outcome was recorded; the next attempt looks it up', { effect_kind: kind.def.kind, effect_key: effect.key });
            continue;
          }
          await this.inCause(effect.cause, async () => {
            const ctx: CompletionContext = { tx, emit: (event) => this.emit(tx, effect.cause, event), logger: this.options.logger };
            if (outcome.status === 'done') {
              await kind.def.onDone?.(ctx, effect, outcome.result);
              await this.store.markDone(tx, effect.id, outcome.result);
            } else if (outcome.status === 'failed') {
              await kind.def.onFailed?.(ctx, effect, outcome.error);
              const delay = (kind.def.failedRetryDelayMs ?? defaultFailedRetryDelayMs)(effect.failures + 1);
              await this.store.markFailed(tx, effect.id, errorText(outcome.error), delay);
            }
          });
        }
        await tx.query('COMMIT');
        tx.release();
        return;
      } catch (error) {
        await tx.query('ROLLBACK').catch(() => undefined);
        // The connection may be the broken part: never hand it back to the pool.
        tx.release(true);
        backoff = (backoff ?? this.backoff).next(undefined);
        this.options.logger.warn('recording effect outcomes failed; retrying', { error, effect_kind: kind.def.kind, attempt });
        await new Promise((r) => setTimeout(r, backoff!.duration));
      }
    }
    // The lease runs out and the effects are looked up after the ambiguity window: nothing is lost
    // or applied twice, only delayed.
    this.options.logger.error('could not record effect outcomes; they will be looked up again', { effect_kind: kind.def.kind, effects: items.length });
  }

  /**
   * The attempt's calls belong to the trace of the event behind the (first) effect, so an SRE
   * follows one order from its webhook to the outside call; the other effects of a batch are
   * linked, so each of their traces leads to the same attempt.
   */
  private inAttemptSpan<T>(kindName: string, effects: ClaimedEffect[], fn: () => Promise<T>): Promise<T> {
    const parent = effects[0]?.cause.trace ? extractTraceContext(effects[0].cause.trace) : context.active();
    const links: Link[] = [];
    for (const effect of effects.slice(1)) {
      const linked = effect.cause.trace ? trace.getSpanContext(extractTraceContext(effect.cause.trace)) : undefined;
      if (linked) links.push({ context: linked });
    }
    const span = trace.getTracer('@retail-backbone/messaging').startSpan(
      `perform ${kindName}`,
      { kind: SpanKind.INTERNAL, links, attributes: { 'effect.kind': kindName, 'effect.batch_size': effects.length } },
      parent,
    );
    const correlationId = effects.length === 1 ? effects[0]!.cause.correlationId : undefined;
    const run = () => fn();
    return context.with(trace.setSpan(parent, span), () => (correlationId ? withCorrelationId(correlationId, run) : run())).then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorText(error) });
        span.end();
        throw error;
      },
    );
  }

  private inCause<T>(cause: EffectCause, fn: () => Promise<T>): Promise<T> {
    const ctx = cause.trace ? extractTraceContext(cause.trace) : context.active();
    return context.with(ctx, () => (cause.correlationId ? withCorrelationId(cause.correlationId, fn) : fn()));
  }

  private emit(tx: PoolClient, cause: EffectCause, event: EmitEvent): Promise<void> {
    const envelope = buildEnvelope({
      eventType: event.eventType,
      producer: this.options.service,
      region: this.options.region,
      correlationId: cause.correlationId ?? '',
      causationId: cause.eventId ?? null,
      ...event.value.envelope,
    });
    return recordEvents(tx, [{ topic: event.topic, key: event.key, eventType: event.eventType, value: { ...event.value, envelope }, headers: event.headers }], {
      schema: this.options.schema,
    });
  }

  /** Delay before retry `attempt + 1` of a call known not to have been applied (exponential, jittered). */
  private retryDelay(attempt: number): number {
    let b = this.backoff.next();
    for (let i = 1; i < Math.min(attempt, 30); i++) b = b.next(undefined);
    return b.duration;
  }
}
