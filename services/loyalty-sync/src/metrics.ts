import type { Registry } from '@retail-backbone/observability';
import { Counter } from 'prom-client';

export interface LoyaltyMetrics {
  /** Points moved on the platform, by kind: accrued, reversed, redeemed, restored. */
  points: Counter;
  /** Bad input and refusals with a visible outcome, by activity and reason. */
  rejections: Counter;
  /** Consumed events, by type and what the service did with them. */
  events: Counter;
}

function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter {
  return (registry.getSingleMetric(name) as Counter | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}

export function loyaltyMetrics(registry: Registry): LoyaltyMetrics {
  return {
    points: counter(registry, 'loyalty_points_total', 'Points moved on the loyalty platform, by kind', ['kind']),
    rejections: counter(registry, 'loyalty_rejections_total', 'Loyalty activities that ended in LoyaltyActivityRejected, by activity and reason', ['activity', 'reason']),
    events: counter(registry, 'loyalty_sync_events_total', 'Events consumed by loyalty-sync, by type and result', ['event_type', 'result']),
  };
}
