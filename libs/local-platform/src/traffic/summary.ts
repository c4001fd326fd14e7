/**
 * Where the pipeline stands, read from the outside: what order-ingest accepted (its /metrics),
 * what reached Odoo (the simulator's records), availability events published, consumer lag per
 * group and dead letters (Kafka offsets).
 */
import { kafkaSecurityFromEnv } from '@retail-backbone/connections';
import { topicOf } from '@retail-backbone/contracts';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { SERVICES } from '../services';
import { assertLoopback, platformEnvFrom, type PlatformEnv } from './env';

export interface PipelineSummary {
  /** Facts order-ingest accepted, all channels and event types. */
  accepted: number;
  acceptedByEventType: Record<string, number>;
  rejected: number;
  duplicates: number;
  odoo: { saleOrders: number; confirmed: number; cancelled: number; creditNotes: number };
  /** Events on retail.inventory-availability.v1 (sum of high watermarks). */
  availabilityUpdates: number;
  /** Uncommitted messages per consumer group over the topics it consumes. */
  consumerLag: Record<string, number>;
  totalLag: number;
  /** Messages on every *.dlq.* topic. */
  dlq: number;
  dlqByTopic: Record<string, number>;
  /** loyalty-sync's points moved by kind and its rejections, when LOYALTY_SYNC_URL is known. */
  loyalty?: { points: Record<string, number>; rejections: Record<string, number> };
}

const SUMMARY_REQUIRED = ['ORDER_INGEST_URL', 'ODOO_URL', 'KAFKA_BROKERS'] as const;
const AVAILABILITY_TOPIC = topicOf('InventoryAvailabilityChanged');

/** Sums the samples of one counter in Prometheus text format, by one label. */
export function counterByLabel(metricsText: string, metric: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const sample = new RegExp(`^${metric}(?:\\{([^}]*)\\})?\\s+([0-9.eE+-]+)`, 'gm');
  for (const match of metricsText.matchAll(sample)) {
    const labels = match[1] ?? '';
    const value = new RegExp(`(?:^|,)${label}="([^"]*)"`).exec(labels)?.[1] ?? '';
    out[value] = (out[value] ?? 0) + Number(match[2]);
  }
  return out;
}

function total(values: Record<string, number>): number {
  return Object.values(values).reduce((a, b) => a + b, 0);
}

async function getText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return res.text();
}

/** Reusable reader for a live view (one Kafka admin connection for many readings). */
export class SummaryCollector {
  private readonly env: PlatformEnv;
  private readonly admin: Admin;
  private connected: Promise<void> | null = null;

  constructor(env: Record<string, string | undefined>) {
    this.env = platformEnvFrom(env, SUMMARY_REQUIRED);
    assertLoopback(this.env);
    this.admin = new Kafka({ clientId: 'demo-summary', brokers: this.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING, ...kafkaSecurityFromEnv() }).admin();
  }

  async collect(): Promise<PipelineSummary> {
    this.connected ??= this.admin.connect();
    await this.connected;
    const [metrics, orders, moves, kafka, loyaltyMetrics] = await Promise.all([
      getText(`${this.env.ORDER_INGEST_URL}/metrics`),
      this.records('sale.order'),
      this.records('account.move'),
      this.kafkaFigures(),
      this.env.LOYALTY_SYNC_URL ? getText(`${this.env.LOYALTY_SYNC_URL}/metrics`) : Promise.resolve(undefined),
    ]);
    const acceptedByEventType = counterByLabel(metrics, 'order_ingest_accepted_total', 'event_type');
    return {
      accepted: total(acceptedByEventType),
      acceptedByEventType,
      rejected: total(counterByLabel(metrics, 'order_ingest_rejected_total', 'reason')),
      duplicates: total(counterByLabel(metrics, 'order_ingest_duplicates_total', 'channel')),
      odoo: {
        saleOrders: orders.length,
        confirmed: orders.filter((o) => o.state === 'sale').length,
        cancelled: orders.filter((o) => o.state === 'cancel').length,
        creditNotes: moves.filter((m) => m.move_type === 'out_refund').length,
      },
      ...kafka,
      ...(loyaltyMetrics === undefined
        ? {}
        : {
            loyalty: {
              points: counterByLabel(loyaltyMetrics, 'loyalty_points_total', 'kind'),
              rejections: counterByLabel(loyaltyMetrics, 'loyalty_rejections_total', 'reason'),
            },
          }),
    };
  }

  async close(): Promise<void> {
    if (this.connected) await this.connected.then(() => this.admin.disconnect(), () => undefined);
    this.connected = null;
  }

  private async records(model: string): Promise<Array<Record<string, unknown>>> {
    return JSON.parse(await getText(`${this.env.ODOO_URL}/__sim/records/${model}`)) as Array<Record<string, unknown>>;
  }

  private async highWatermark(topic: string): Promise<Map<number, { high: number; low: number }>> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, { high: Number(o.high), low: Number(o.low) }]));
  }

  private async kafkaFigures(): Promise<Pick<PipelineSummary, 'availabilityUpdates' | 'consumerLag' | 'totalLag' | 'dlq' | 'dlqByTopic'>> {
    const topics = await this.admin.listTopics();
    const dlqByTopic: Record<string, number> = {};
    for (const topic of topics.filter((t) => t.includes('.dlq.')).sort()) {
      dlqByTopic[topic] = [...(await this.highWatermark(topic)).values()].reduce((n, o) => n + o.high, 0);
    }
    const availabilityUpdates = topics.includes(AVAILABILITY_TOPIC)
      ? [...(await this.highWatermark(AVAILABILITY_TOPIC)).values()].reduce((n, o) => n + o.high, 0)
      : 0;
    const consumerLag: Record<string, number> = {};
    const groups = new Map<string, string[]>();
    for (const spec of SERVICES.flatMap((s) => s.consumes)) {
      const [topic, group] = spec.split(':') as [string, string];
      groups.set(group, [...(groups.get(group) ?? []), topic]);
    }
    for (const [group, groupTopics] of groups) {
      const present = groupTopics.filter((t) => topics.includes(t));
      const committed = await this.admin.fetchOffsets({ groupId: group, topics: present });
      let lag = 0;
      for (const { topic, partitions } of committed) {
        const ends = await this.highWatermark(topic);
        for (const p of partitions) {
          const end = ends.get(p.partition);
          if (!end) continue;
          // -1: nothing committed yet, so everything still retained is unread.
          const position = Number(p.offset) < 0 ? end.low : Number(p.offset);
          lag += Math.max(0, end.high - position);
        }
      }
      consumerLag[group] = lag;
    }
    return { availabilityUpdates, consumerLag, totalLag: total(consumerLag), dlq: total(dlqByTopic), dlqByTopic };
  }
}

/** One reading of the pipeline's state. */
export async function collectSummary(env: Record<string, string | undefined>): Promise<PipelineSummary> {
  const collector = new SummaryCollector(env);
  try {
    return await collector.collect();
  } finally {
    await collector.close();
  }
}
