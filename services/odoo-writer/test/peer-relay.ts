import { sampleEvent } from '@retail-backbone/contracts/src/testing';
import { createTestDatabase, uniqueName, type TestDatabase } from '@retail-backbone/devstack';
import { migrateMessaging, OutboxRelay, recordEvents, type EventValue } from '@retail-backbone/messaging';
import { createMetricsRegistry } from '@retail-backbone/observability';
import type { Kafka } from 'kafkajs';
import pg from 'pg';
import { avroSerde, silentLogger } from './harness';

const SCHEMA = 'peer_service';

/**
 * Another service on the same PostgreSQL cluster (its own database) with its own outbox relay:
 * what a writer transaction held open across an Odoo call would stop (relays publish below the
 * cluster-wide oldest running transaction id).
 */
export interface PeerRelay {
  topic: string;
  /** Commits `count` events in one short transaction; returns their outbox ids. */
  commit(count?: number): Promise<string[]>;
  /** Ids among `ids` that the relay has published. */
  published(ids: string[]): Promise<string[]>;
  /** Commit→publish latency percentiles (ms) of the events committed so far (all published). */
  latency(): Promise<{ events: number; p50: number; p99: number; max: number }>;
  close(): Promise<void>;
}

export async function startPeerRelay(kafka: Kafka): Promise<PeerRelay> {
  const db: TestDatabase = await createTestDatabase('peer_relay');
  await migrateMessaging({ databaseUrl: db.url, schema: SCHEMA });
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  const topic = `retail.erp-sync.v1.${uniqueName('peer')}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const relay = new OutboxRelay({
    pool,
    schema: SCHEMA,
    kafka,
    serde: avroSerde(),
    producerName: 'peer-service',
    logger: silentLogger(),
    registry: createMetricsRegistry({ service: 'peer-service', defaultMetrics: false }),
  });
  await relay.start();
  return {
    topic,
    async commit(count = 1) {
      const tx = await pool.connect();
      try {
        await tx.query('BEGIN');
        const events = Array.from({ length: count }, () => {
          const value = sampleEvent('OrderSyncedToErp', { orderId: uniqueName('peer-order') }, { correlationId: uniqueName('corr'), at: Date.now() });
          return { topic, key: value.orderId, eventType: 'OrderSyncedToErp', value: value as unknown as EventValue };
        });
        await recordEvents(tx, events, { schema: SCHEMA });
        const { rows } = await tx.query<{ id: string }>(`SELECT id::text FROM ${SCHEMA}.outbox WHERE message_key = ANY($1::text[])`, [events.map((e) => e.key)]);
        await tx.query('COMMIT');
        return rows.map((r) => r.id);
      } catch (error) {
        await tx.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        tx.release();
      }
    },
    async published(ids) {
      const { rows } = await pool.query<{ id: string }>(`SELECT id::text FROM ${SCHEMA}.outbox WHERE id = ANY($1::bigint[]) AND published_at IS NOT NULL`, [ids]);
      return rows.map((r) => r.id);
    },
    async latency() {
      const { rows } = await pool.query<{ events: number; p50: number; p99: number; max: number }>(
        `SELECT count(*)::int AS events, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max
         FROM (SELECT EXTRACT(EPOCH FROM published_at - created_at) * 1000 AS ms FROM ${SCHEMA}.outbox WHERE published_at IS NOT NULL) l`,
      );
      return rows[0]!;
    },
    async close() {
      await relay.stop();
      await pool.end();
      const a = kafka.admin();
      await a.connect();
      await a.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await a.disconnect();
      await db.drop();
    },
  };
}
