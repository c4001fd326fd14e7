import { newEventId, recordEvents, type EventHandler, type EventValue } from '@retail-backbone/messaging';
import type { PoolClient } from 'pg';
import { applyEvent } from '../domain/projection';
import type { OversellPolicy, ProjectionEvent, Rejection, StockChange } from '../domain/types';
import { PgEventStore } from '../db/pg-store';
import { policyOf } from '../db/policies';
import { normalise } from './normalise';

export const REJECTIONS_TOPIC = 'retail.inventory-reservations.v1';

export interface ProjectionHandlerOptions {
  schema: string;
  defaultPolicy: OversellPolicy;
  service: string;
  region: string;
  /** Called after each applied event (metrics). */
  onApplied?: (event: ProjectionEvent, changes: StockChange[], rejection: Rejection | null) => void;
}

export interface Cause {
  eventId: string;
  correlationId: string;
}

/** Marks changed keys for the availability flusher; the latest cause per key wins. */
async function markDirty(tx: PoolClient, schema: string, changes: StockChange[], cause: Cause): Promise<void> {
  if (changes.length === 0) return;
  await tx.query(
    `INSERT INTO "${schema}".availability_dirty (sku, location_id, cause, cause_reference, correlation_id, causation_id, marked_at)
     SELECT sku, location_id, cause, ref, $5, $6, clock_timestamp() FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(sku, location_id, cause, ref)
     ON CONFLICT (sku, location_id) DO UPDATE SET cause = excluded.cause, cause_reference = excluded.cause_reference,
       correlation_id = excluded.correlation_id, causation_id = excluded.causation_id, marked_at = excluded.marked_at`,
    [changes.map((c) => c.row.sku), changes.map((c) => c.row.locationId), changes.map((c) => c.cause), changes.map((c) => c.causeReference), cause.correlationId, cause.eventId],
  );
}

async function recordRejection(tx: PoolClient, options: ProjectionHandlerOptions, rejection: Rejection, cause: Cause): Promise<void> {
  // Built here rather than with ctx.emit: the messaging Envelope types occurredAt as a Date, the
  // Avro contract (and the registry serde) wants epoch milliseconds.
  const value = {
    envelope: {
      eventId: newEventId(),
      eventType: 'StockReservationRejected',
      schemaVersion: 1,
      occurredAt: Date.now(),
      producer: options.service,
      correlationId: cause.correlationId,
      causationId: cause.eventId,
      region: options.region,
    },
    orderId: rejection.orderId,
    locationId: rejection.locationId,
    shortages: rejection.shortages,
    reason: rejection.reason,
  };
  await recordEvents(tx, [{ topic: REJECTIONS_TOPIC, key: rejection.orderId, eventType: 'StockReservationRejected', value: value as unknown as EventValue }], {
    schema: options.schema,
  });
}

/** Applies one normalised event in `tx`: load and lock, run the rules, save, mark dirty, record a rejection. */
export async function applyInTransaction(tx: PoolClient, options: ProjectionHandlerOptions, event: ProjectionEvent, cause: Cause): Promise<StockChange[]> {
  const store = await PgEventStore.load(tx, options.schema, event);
  const policy = event.kind === 'placed' ? await policyOf(tx, options.schema, event.locationId, options.defaultPolicy) : options.defaultPolicy;
  const { changes, rejection } = applyEvent(store, event, { policyFor: () => policy });
  await store.save(tx);
  await markDirty(tx, options.schema, changes, cause);
  if (rejection) await recordRejection(tx, options, rejection, cause);
  options.onApplied?.(event, changes, rejection);
  return changes;
}

export async function recordAppliedOffset(tx: PoolClient, schema: string, topic: string, partition: number, offset: string): Promise<void> {
  await tx.query(
    `INSERT INTO "${schema}".applied_offsets (topic, kafka_partition, kafka_offset) VALUES ($1, $2, $3)
     ON CONFLICT (topic, kafka_partition) DO UPDATE SET kafka_offset = GREATEST(applied_offsets.kafka_offset, excluded.kafka_offset)`,
    [topic, partition, offset],
  );
}

/** The consumer runner's handler: runs inside the transaction that also claims the inbox entry. */
export function createProjectionHandler(options: ProjectionHandlerOptions): EventHandler {
  return async (ctx) => {
    const event = normalise(ctx.event.eventType, ctx.event.value);
    if (event) {
      await applyInTransaction(ctx.tx, options, event, { eventId: ctx.event.envelope.eventId, correlationId: ctx.event.envelope.correlationId });
    }
    await recordAppliedOffset(ctx.tx, options.schema, ctx.message.topic, ctx.message.partition, ctx.message.offset);
  };
}
