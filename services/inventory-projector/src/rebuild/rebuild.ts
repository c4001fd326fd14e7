import type { EventSerde } from '@retail-backbone/contracts';
import { assertSchemaName, withTransaction } from '@retail-backbone/messaging';
import type { Logger } from '@retail-backbone/observability';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { MemoryStore } from '../domain/memory-store';
import { applyEvent } from '../domain/projection';
import type { OversellPolicy } from '../domain/types';
import { REJECTIONS_TOPIC } from '../consumer/handler';
import { normalise } from '../consumer/normalise';
import { ensureProjectionSchema } from '../db/schema';
import { endTargets, readRange, type OffsetTargets } from './read-range';

export interface RebuildOptions {
  pool: Pool;
  kafka: Kafka;
  serde: EventSerde;
  /** Live projection schema. */
  schema: string;
  /** Producer name of the live projector's StockReservationRejected events. */
  service: string;
  defaultPolicy: OversellPolicy;
  logger: Logger;
  /** Keep the rebuilt schema for inspection instead of dropping it. */
  keep?: boolean;
  timeoutMs?: number;
}

export interface KeyDifference {
  key: string;
  live: { onHand: number; reserved: number } | null;
  rebuilt: { onHand: number; reserved: number } | null;
}

export interface RebuildReport {
  matches: boolean;
  rebuiltSchema: string;
  kept: boolean;
  keysLive: number;
  keysRebuilt: number;
  eventsApplied: number;
  eventsSkipped: number;
  differences: KeyDifference[];
}

type Counts = Map<string, { onHand: number; reserved: number }>;

/** The live counts and offsets in one consistent snapshot. */
async function liveSnapshot(pool: Pool, schema: string): Promise<{ counts: Counts; targets: OffsetTargets }> {
  const { offsets, stock } = await withTransaction(
    pool,
    async (client) => ({
      offsets: await client.query<{ topic: string; kafka_partition: number; kafka_offset: string }>(`SELECT topic, kafka_partition, kafka_offset FROM "${schema}".applied_offsets`),
      stock: await client.query<{ sku: string; location_id: string; on_hand: number; reserved: number }>(`SELECT sku, location_id, on_hand, reserved FROM "${schema}".stock`),
    }),
    { begin: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' },
  );
  const targets: OffsetTargets = new Map();
  for (const row of offsets.rows) {
    const byPartition = targets.get(row.topic) ?? new Map<number, bigint>();
    byPartition.set(row.kafka_partition, BigInt(row.kafka_offset));
    targets.set(row.topic, byPartition);
  }
  const counts: Counts = new Map();
  for (const row of stock.rows) counts.set(`${row.sku}@${row.location_id}`, { onHand: row.on_hand, reserved: row.reserved });
  return { counts, targets };
}

async function recordedRejections(options: RebuildOptions): Promise<Set<string>> {
  const rejected = new Set<string>();
  const targets: OffsetTargets = new Map([[REJECTIONS_TOPIC, await endTargets(options.kafka, REJECTIONS_TOPIC)]]);
  await readRange(
    options.kafka,
    targets,
    async (_topic, _partition, message) => {
      if (!message.value) return;
      const decoded = await options.serde.decode(message.value).catch(() => null);
      if (decoded?.eventType !== 'StockReservationRejected') return;
      if (decoded.value.envelope.producer === options.service) rejected.add(decoded.value.orderId);
    },
    options.timeoutMs,
  );
  return rejected;
}

async function writeRebuilt(pool: Pool, schema: string, store: MemoryStore): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await ensureProjectionSchema(pool, schema);
  const rows = [...store.stock.values()];
  for (let i = 0; i < rows.length; i += 5_000) {
    const chunk = rows.slice(i, i + 5_000);
    await pool.query(
      `INSERT INTO "${schema}".stock (sku, location_id, on_hand, reserved, version, snapshot_as_of, snapshot_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::bigint[], $6::bigint[], $7::text[])`,
      [chunk.map((r) => r.sku), chunk.map((r) => r.locationId), chunk.map((r) => r.onHand), chunk.map((r) => r.reserved), chunk.map((r) => r.version), chunk.map((r) => r.snapshotAsOf), chunk.map((r) => r.snapshotId)],
    );
  }
}

function diff(live: Counts, rebuilt: Counts): KeyDifference[] {
  const differences: KeyDifference[] = [];
  const zero = (v: { onHand: number; reserved: number } | undefined) => !v || (v.onHand === 0 && v.reserved === 0);
  for (const key of [...new Set([...live.keys(), ...rebuilt.keys()])].sort()) {
    const a = live.get(key);
    const b = rebuilt.get(key);
    if (zero(a) && zero(b)) continue;
    if (a && b && a.onHand === b.onHand && a.reserved === b.reserved) continue;
    differences.push({ key, live: a ?? null, rebuilt: b ?? null });
  }
  return differences;
}

/**
 * Replays the input topics from the beginning up to the offsets the live projection has applied,
 * into a fresh schema, and compares counts key by key. Placement decisions are taken from the
 * StockReservationRejected events in the log rather than decided again (see the README).
 */
export async function rebuildAndCompare(options: RebuildOptions): Promise<RebuildReport> {
  const schema = assertSchemaName(options.schema);
  const rebuiltSchema = assertSchemaName(`${schema}_rebuild`);
  const { counts: live, targets } = await liveSnapshot(options.pool, schema);
  const rejected = await recordedRejections(options);
  const store = new MemoryStore();
  const seen = new Set<string>();
  let applied = 0;
  let skipped = 0;
  const context = { policyFor: () => options.defaultPolicy, recordedOutcome: (orderId: string) => (rejected.has(orderId) ? ('rejected' as const) : ('reserved' as const)) };
  await readRange(
    options.kafka,
    targets,
    async (topic, partition, message) => {
      if (!message.value) return;
      try {
        const decoded = await options.serde.decode(message.value);
        const value = decoded.value as unknown as Record<string, unknown> & { envelope: { eventId: string } };
        if (seen.has(value.envelope.eventId)) return;
        const event = normalise(decoded.eventType, value);
        seen.add(value.envelope.eventId);
        if (event) applyEvent(store, event, context);
        applied += 1;
      } catch (error) {
        // The live consumer dead-lettered the same message; it has no effect there either.
        if ((error as { retryable?: boolean }).retryable === true) throw error;
        skipped += 1;
        options.logger.warn('rebuild skipped an unusable message', { topic, partition, offset: message.offset, error_message: (error as Error).message });
      }
    },
    options.timeoutMs,
  );
  const rebuilt: Counts = new Map([...store.stock].map(([key, row]) => [key, { onHand: row.onHand, reserved: row.reserved }]));
  await writeRebuilt(options.pool, rebuiltSchema, store);
  if (!options.keep) await options.pool.query(`DROP SCHEMA IF EXISTS "${rebuiltSchema}" CASCADE`);
  const differences = diff(live, rebuilt);
  return {
    matches: differences.length === 0,
    rebuiltSchema,
    kept: options.keep ?? false,
    keysLive: live.size,
    keysRebuilt: rebuilt.size,
    eventsApplied: applied,
    eventsSkipped: skipped,
    differences,
  };
}
