import type { Registry } from '@retail-backbone/observability';
import type { Pool } from 'pg';
import { Counter, Gauge } from 'prom-client';
import { EFFECT_KINDS, type TargetKind } from './propagation';

export interface PropagatorMetrics {
  /** Outcomes by target (shopify, woocommerce, pos, customer-hook) and outcome (propagated, failed, parked). */
  propagations: Counter<'target' | 'outcome'>;
  shipments: Counter<'source' | 'result'>;
}

function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * The propagator's counters, and two gauges read from the effects table at scrape time (so
 * every replica reports the same figures): propagations not yet done per target, and the age of
 * the oldest one — what an outage of one channel makes grow.
 */
export function propagatorMetrics(registry: Registry, pool: Pool, schema: string): PropagatorMetrics {
  const targetOf = new Map(Object.entries(EFFECT_KINDS).map(([target, kind]) => [kind, target as TargetKind]));
  let last: Array<{ kind: string; n: number; oldest: number }> = [];
  let read: Promise<void> | undefined;
  const refresh = () =>
    (read ??= pool
      .query<{ kind: string; n: number; oldest: number }>(
        `SELECT kind, count(*)::int AS n, max(extract(epoch FROM clock_timestamp() - created_at))::float8 AS oldest
         FROM "${schema}".outside_effects WHERE state IN ('pending', 'unknown', 'failed') AND kind = ANY($1::text[]) GROUP BY kind`,
        [[...targetOf.keys()]],
      )
      .then((r) => void (last = r.rows))
      .catch(() => undefined)
      .finally(() => setImmediate(() => (read = undefined))));
  const set = (gauge: Gauge<'target'>, pick: (row: { n: number; oldest: number }) => number) => {
    for (const target of targetOf.values()) gauge.set({ target }, 0);
    for (const row of last) gauge.set({ target: targetOf.get(row.kind)! }, pick(row));
  };
  metric(
    registry,
    'shipment_propagations_pending',
    () =>
      new Gauge({
        name: 'shipment_propagations_pending',
        help: 'Shipment propagations not yet done, by target',
        labelNames: ['target'],
        registers: [registry],
        async collect() {
          await refresh();
          set(this, (r) => r.n);
        },
      }),
  );
  metric(
    registry,
    'shipment_propagation_oldest_pending_seconds',
    () =>
      new Gauge({
        name: 'shipment_propagation_oldest_pending_seconds',
        help: 'Age of the oldest shipment propagation not yet done, by target',
        labelNames: ['target'],
        registers: [registry],
        async collect() {
          await refresh();
          set(this, (r) => r.oldest);
        },
      }),
  );
  return {
    propagations: metric(
      registry,
      'shipment_propagations_total',
      () => new Counter({ name: 'shipment_propagations_total', help: 'Shipment propagations by target and outcome (propagated, failed, parked)', labelNames: ['target', 'outcome'], registers: [registry] }),
    ),
    shipments: metric(
      registry,
      'shipment_propagator_shipments_total',
      () => new Counter({ name: 'shipment_propagator_shipments_total', help: 'ShipmentDispatched events consumed, by source and result (accepted, parked, duplicate)', labelNames: ['source', 'result'], registers: [registry] }),
    ),
  };
}
