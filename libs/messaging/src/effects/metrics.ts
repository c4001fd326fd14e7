import type { Registry } from '@retail-backbone/observability';
import type { Pool } from 'pg';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { EffectStore } from './store';

export interface EffectMetrics {
  attempts: Counter<'kind' | 'outcome'>;
  attemptSeconds: Histogram<'kind'>;
}

function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * Attempt counters and durations, plus two gauges read from the table at scrape time (so every
 * replica reports the same, whole-service figures): open effects by state and the oldest one's age.
 */
export function effectMetrics(registry: Registry, store: EffectStore, pool: Pool): EffectMetrics {
  let last = { counts: {} as Record<string, number>, oldestAgeSeconds: 0 };
  let read: Promise<void> | undefined;
  // Both gauges share one query per scrape; a database outage keeps the last figures.
  const refresh = () =>
    (read ??= store
      .openSummary(pool)
      .then((summary) => void (last = summary))
      .catch(() => undefined)
      .finally(() => setImmediate(() => (read = undefined))));
  metric(
    registry,
    'effects_open',
    () =>
      new Gauge({
        name: 'effects_open',
        help: 'Outside effects not yet done, by state (pending, running, waiting, unknown, failed)',
        labelNames: ['state'],
        registers: [registry],
        async collect() {
          await refresh();
          for (const [state, n] of Object.entries(last.counts)) this.set({ state }, n);
        },
      }),
  );
  metric(
    registry,
    'effects_oldest_open_age_seconds',
    () =>
      new Gauge({
        name: 'effects_oldest_open_age_seconds',
        help: 'Age of the oldest outside effect not yet done',
        registers: [registry],
        async collect() {
          await refresh();
          this.set(last.oldestAgeSeconds);
        },
      }),
  );
  return {
    attempts: metric(
      registry,
      'effects_attempts_total',
      () => new Counter({ name: 'effects_attempts_total', help: 'Outside effect attempts by kind and outcome (done, failed, retry, ambiguous)', labelNames: ['kind', 'outcome'], registers: [registry] }),
    ),
    attemptSeconds: metric(
      registry,
      'effects_attempt_duration_seconds',
      () => new Histogram({ name: 'effects_attempt_duration_seconds', help: 'Duration of one outside effect attempt (a batch)', labelNames: ['kind'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [registry] }),
    ),
  };
}
