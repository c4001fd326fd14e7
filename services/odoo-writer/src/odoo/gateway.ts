import {
  OdooAccessError,
  OdooConcurrencyError,
  OdooError,
  OdooTimeoutError,
  OdooUnavailableError,
  type OdooCallParams,
  type OdooClient,
  type OdooContext,
  type OdooDomain,
  type OdooValues,
  type SearchReadOptions,
} from '@retail-backbone/odoo-client';
import type { Logger, Registry } from '@retail-backbone/observability';
import Bottleneck from 'bottleneck';
import {
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  circuitBreaker,
  handleWhen,
  retry,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { Counter, Gauge, Histogram } from 'prom-client';

export interface GatewayOptions {
  /** Calls per second sent to Odoo, never exceeded (calls are spaced evenly). */
  ratePerSecond: number;
  /** Calls in flight at once. */
  concurrency: number;
  /** The Odoo circuit (see odooCircuit), observed here for readiness and the pause of consumption. */
  circuit: CircuitBreakerPolicy;
  /** Attempts of a call whose failure proves it was not applied (503, 429, lock, refused). */
  retryAttempts?: number;
  retryInitialDelayMs?: number;
  logger: Logger;
  registry: Registry;
}

export type CircuitListener = (state: 'open' | 'closed') => void;

/** The failures that mean "Odoo is not there" (an attempt that timed out included), which open the circuit. */
function isOutage(error: unknown): boolean {
  return error instanceof OdooUnavailableError || error instanceof OdooTimeoutError || error instanceof OdooAccessError || error instanceof TaskCancelledError;
}

/**
 * One circuit for everything the writer does to Odoo, applied by the effect executor around each
 * attempt (a batch of calls): `threshold` consecutive outage failures open it; after
 * `halfOpenAfterMs` the next attempt is the probe.
 */
export function odooCircuit(threshold: number, halfOpenAfterMs: number): CircuitBreakerPolicy {
  return circuitBreaker(handleWhen(isOutage), { halfOpenAfter: halfOpenAfterMs, breaker: new ConsecutiveBreaker(threshold) });
}

/**
 * Safe to resend: the failure proves Odoo did not apply the call (refused, 503, 429, lock) or the
 * call is a read. An ambiguous failure of a write is never resent here: the caller looks first.
 */
function resendable(error: unknown, idempotent: boolean): boolean {
  if (!(error instanceof OdooConcurrencyError || error instanceof OdooUnavailableError || error instanceof OdooTimeoutError)) return false;
  return idempotent || !error.ambiguous;
}

function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

const READS = new Set(['search', 'search_read', 'search_count', 'read', 'name_search']);

/**
 * Every Odoo call of the writer goes through here: an even-spaced rate limit and a concurrency cap
 * (bottleneck) and resends of provably-unapplied calls with backoff (cockatiel). The circuit over
 * outage failures is the effect executor's, around whole attempts; the gateway reports its state.
 */
export class OdooGateway {
  private readonly limiter: Bottleneck;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly listeners: CircuitListener[] = [];
  private readonly calls: Counter;
  private readonly duration: Histogram;
  private readonly circuit: Gauge;

  constructor(
    private readonly client: OdooClient,
    private readonly options: GatewayOptions,
  ) {
    if (!(options.ratePerSecond > 0)) throw new TypeError('OdooGateway: ratePerSecond must be positive');
    if (!(Number.isInteger(options.concurrency) && options.concurrency > 0)) throw new TypeError('OdooGateway: concurrency must be a positive integer');
    // +1 ms: calls are counted where they arrive, and spacing of exactly 1000/rate could let a
    // jittered (rate + 1)th call into the same second.
    this.limiter = new Bottleneck({ maxConcurrent: options.concurrency, minTime: Math.ceil(1000 / options.ratePerSecond) + 1 });
    this.breaker = options.circuit;
    this.breaker.onBreak(() => this.changed('open'));
    this.breaker.onReset(() => this.changed('closed'));
    const r = options.registry;
    this.calls = metric(r, 'odoo_writer_odoo_calls_total', () => new Counter({ name: 'odoo_writer_odoo_calls_total', help: 'Odoo calls by model, method and outcome', labelNames: ['model', 'method', 'outcome'], registers: [r] }));
    this.duration = metric(r, 'odoo_writer_odoo_call_duration_seconds', () => new Histogram({ name: 'odoo_writer_odoo_call_duration_seconds', help: 'Odoo call latency including rate-limit wait', labelNames: ['model', 'method'], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [r] }));
    this.circuit = metric(r, 'odoo_writer_circuit_open', () => new Gauge({ name: 'odoo_writer_circuit_open', help: '1 while the Odoo circuit breaker is open', registers: [r] }));
  }

  get isOpen(): boolean {
    return this.breaker.state !== CircuitState.Closed;
  }

  onCircuitChange(listener: CircuitListener): void {
    this.listeners.push(listener);
  }

  searchRead<T = Record<string, unknown>>(model: string, domain: OdooDomain, options: SearchReadOptions = {}): Promise<T[]> {
    return this.run(model, 'search_read', () => this.client.searchRead<T>(model, domain, options));
  }

  create(model: string, vals: OdooValues[], options: { context?: OdooContext } = {}): Promise<number[]> {
    return this.run(model, 'create', () => this.client.create(model, vals, options));
  }

  write(model: string, ids: number[], vals: OdooValues): Promise<boolean> {
    return this.run(model, 'write', () => this.client.write(model, ids, vals));
  }

  callMethod<T = unknown>(model: string, method: string, ids: number[], params: OdooCallParams = {}): Promise<T> {
    return this.run(model, method, () => this.client.callMethod<T>(model, method, ids, params));
  }

  /** Waits for running calls; later calls fail. */
  async stop(): Promise<void> {
    await this.limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }

  private async run<T>(model: string, method: string, call: () => Promise<T>): Promise<T> {
    const idempotent = READS.has(method);
    const maxAttempts = this.options.retryAttempts ?? 3;
    const backoff = new ExponentialBackoff({ initialDelay: this.options.retryInitialDelayMs ?? 200, maxDelay: 5_000 });
    const policy = retry(handleWhen((e) => resendable(e, idempotent)), { maxAttempts: maxAttempts - 1, backoff });
    const started = performance.now();
    try {
      const result = await policy.execute(() => this.limiter.schedule(call));
      this.calls.inc({ model, method, outcome: 'ok' });
      return result;
    } catch (error) {
      this.calls.inc({ model, method, outcome: error instanceof OdooError ? error.name : 'error' });
      throw error;
    } finally {
      this.duration.observe({ model, method }, (performance.now() - started) / 1000);
    }
  }

  private changed(state: 'open' | 'closed'): void {
    this.circuit.set(state === 'open' ? 1 : 0);
    this.options.logger.warn(state === 'open' ? 'Odoo circuit opened' : 'Odoo circuit closed');
    for (const listener of this.listeners) {
      try {
        listener(state);
      } catch (error) {
        this.options.logger.error('circuit listener failed', { error });
      }
    }
  }
}
