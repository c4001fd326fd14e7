import { Counter, type Registry } from 'prom-client';

export interface IngestMetrics {
  accepted: Counter<'channel' | 'event_type'>;
  rejected: Counter<'channel' | 'reason'>;
  duplicates: Counter<'channel'>;
  conflicts: Counter<'channel'>;
  parked: Counter<'channel'>;
}

export function ingestMetrics(registry: Registry): IngestMetrics {
  return {
    accepted: new Counter({ name: 'order_ingest_accepted_total', help: 'Facts accepted and recorded for publication', labelNames: ['channel', 'event_type'], registers: [registry] }),
    rejected: new Counter({ name: 'order_ingest_rejected_total', help: 'Requests or batch items refused, by reason', labelNames: ['channel', 'reason'], registers: [registry] }),
    duplicates: new Counter({ name: 'order_ingest_duplicates_total', help: 'Repeats answered with the original result, nothing emitted', labelNames: ['channel'], registers: [registry] }),
    conflicts: new Counter({ name: 'order_ingest_conflicts_total', help: 'Known facts re-sent with different content', labelNames: ['channel'], registers: [registry] }),
    parked: new Counter({ name: 'order_ingest_parked_cancellations_total', help: 'Cancellations received before their order', labelNames: ['channel'], registers: [registry] }),
  };
}
