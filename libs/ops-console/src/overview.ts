import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { Catalog, qualified, SCHEMAS } from './sources/database';
import type { DeadLetters } from './sources/dead-letters';

export interface Overview {
  at: string;
  /** Accepted orders per channel in each of the last 10 minutes (oldest first). */
  ordersPerMinute: Array<{ channel: string; perMinute: number[] }>;
  awaitingErp: number;
  services: Array<{ schema: string; outboxPending: number; oldestPendingSeconds: number | null }>;
  lag: Array<{ group: string; topic: string; lag: number }>;
  deadLetters: Array<{ topic: string; group: string; size: number }>;
  deadLettersTotal: number;
}

export async function overview(pool: pg.Pool, catalog: Catalog, kafka: Kafka, deadLetters: DeadLetters): Promise<Overview> {
  const minutes = 10;
  const ordersPerMinute: Overview['ordersPerMinute'] = [];
  if (await catalog.has(SCHEMAS.ingest, 'channel_facts')) {
    const { rows } = await pool.query<{ channel: string; ago: number; n: number }>(
      `SELECT channel, floor(extract(epoch FROM now() - accepted_at) / 60)::int AS ago, count(*)::int AS n
         FROM ${qualified(SCHEMAS.ingest, 'channel_facts')} WHERE kind = 'order' AND accepted_at > now() - make_interval(mins => $1)
        GROUP BY 1, 2`,
      [minutes],
    );
    const byChannel = new Map<string, number[]>();
    for (const r of rows) {
      const series = byChannel.get(r.channel) ?? new Array<number>(minutes).fill(0);
      series[minutes - 1 - Math.min(r.ago, minutes - 1)]! += r.n;
      byChannel.set(r.channel, series);
    }
    for (const [channel, perMinute] of byChannel) ordersPerMinute.push({ channel, perMinute });
  }

  // Placed at ingest and not (yet) a synced, parked or cancelled order in the writer.
  let awaitingErp = 0;
  if ((await catalog.has(SCHEMAS.ingest, 'orders')) && (await catalog.has(SCHEMAS.writer, 'orders'))) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${qualified(SCHEMAS.ingest, 'orders')} i LEFT JOIN ${qualified(SCHEMAS.writer, 'orders')} w ON w.order_id = i.order_id::text
        WHERE i.placed AND NOT i.cancelled AND (w.order_id IS NULL OR w.status = 'pending')`,
    );
    awaitingErp = rows[0]!.n;
  }

  const services: Overview['services'] = [];
  for (const schema of await catalog.schemasWith('outbox')) {
    const { rows } = await pool.query<{ n: number; age: number | null }>(
      `SELECT count(*)::int AS n, extract(epoch FROM now() - min(created_at))::float AS age FROM ${qualified(schema, 'outbox')} WHERE published_at IS NULL`,
    );
    services.push({ schema, outboxPending: rows[0]!.n, oldestPendingSeconds: rows[0]!.age === null ? null : Math.round(rows[0]!.age * 10) / 10 });
  }

  const sizes = await deadLetters.sizes();
  const lag: Overview['lag'] = [];
  const admin = kafka.admin();
  await admin.connect();
  try {
    // Every consumer group has DLQ topics (provisioned up front), which names its source topics.
    for (const { group, sourceTopic } of sizes) {
      const committed = await admin.fetchOffsets({ groupId: group, topics: [sourceTopic] });
      const ends = await admin.fetchTopicOffsets(sourceTopic);
      let total = 0;
      for (const p of committed[0]?.partitions ?? []) {
        const end = ends.find((e) => e.partition === p.partition);
        if (!end) continue;
        const at = p.offset === '-1' ? BigInt(end.low) : BigInt(p.offset);
        total += Number(BigInt(end.high) - at);
      }
      lag.push({ group, topic: sourceTopic, lag: total });
    }
  } finally {
    await admin.disconnect();
  }
  return {
    at: new Date().toISOString(),
    ordersPerMinute,
    awaitingErp,
    services,
    lag,
    deadLetters: sizes.map((s) => ({ topic: s.name, group: s.group, size: s.size })),
    deadLettersTotal: sizes.reduce((n, s) => n + s.size, 0),
  };
}
