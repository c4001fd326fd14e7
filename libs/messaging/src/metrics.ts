import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Several components share a registry; the first one to ask creates the metric. */
function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter {
  return (registry.getSingleMetric(name) as Counter | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}

function gauge(registry: Registry, name: string, help: string, labelNames: string[]): Gauge {
  return (registry.getSingleMetric(name) as Gauge | undefined) ?? new Gauge({ name, help, labelNames, registers: [registry] });
}

function histogram(registry: Registry, name: string, help: string, labelNames: string[], buckets: number[]): Histogram {
  return (
    (registry.getSingleMetric(name) as Histogram | undefined) ??
    new Histogram({ name, help, labelNames, buckets, registers: [registry] })
  );
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function outboxMetrics(registry: Registry) {
  return {
    published: counter(registry, 'outbox_published_total', 'Outbox rows published to Kafka', ['schema', 'topic']),
    publishLatency: histogram(registry,
      'outbox_publish_latency_seconds',
      'Time from outbox insert to broker acknowledgement',
      ['schema'],
      LATENCY_BUCKETS,
    ),
    batchSize: histogram(registry, 'outbox_relay_batch_size', 'Rows per relay send', ['schema'], [1, 10, 50, 100, 250, 500, 1000]),
    encodeFailures: counter(registry,
      'outbox_poison_total',
      'Outbox rows that failed to encode (their key is blocked until they do)',
      ['schema', 'topic', 'event_type'],
    ),
    parked: counter(registry,
      'outbox_parked_total',
      'Outbox rows parked for their key: they failed to encode or the broker refused them at send time',
      ['schema', 'topic', 'reason'],
    ),
    sendsFenced: counter(registry,
      'outbox_sends_fenced_total',
      'Relay sends given up at their deadline (lease or send time limit); their produce requests were kept off the wire',
      ['schema'],
    ),
    sendFailures: counter(registry, 'outbox_send_failures_total', 'Failed relay sends to Kafka (retried)', ['schema']),
    lanesOwned: gauge(registry, 'outbox_relay_lanes_owned', 'Lanes leased by this relay instance', ['schema']),
  };
}

export function consumerMetrics(registry: Registry) {
  return {
    lag: gauge(registry, 'messaging_consumer_lag', 'Messages behind the high watermark, per partition', ['group', 'topic', 'partition']),
    processDuration: histogram(registry,
      'messaging_process_duration_seconds',
      'Handler time including the inbox transaction',
      ['group', 'topic', 'outcome'],
      LATENCY_BUCKETS,
    ),
    processed: counter(registry, 'messaging_processed_total', 'Messages applied', ['group', 'topic']),
    retries: counter(registry, 'messaging_retries_total', 'Handler attempts that failed and were retried', ['group', 'topic']),
    dlq: counter(registry, 'messaging_dlq_total', 'Messages sent to the dead-letter topic', ['group', 'topic', 'error_class']),
    dedupHits: counter(registry, 'messaging_dedup_hits_total', 'Redelivered events skipped by the inbox', ['group', 'topic']),
  };
}

export type OutboxMetrics = ReturnType<typeof outboxMetrics>;
export type ConsumerMetrics = ReturnType<typeof consumerMetrics>;
