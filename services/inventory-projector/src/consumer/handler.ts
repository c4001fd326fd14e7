import type { BeforeCommit, EmitEvent, EventHandler, HandlerContext } from '@retail-backbone/messaging';
import type { PoolClient } from 'pg';
import { applyEvent } from '../domain/projection';
import { stockKey } from '../domain/store';
import type { OversellPolicy, ProjectionEvent, Rejection, StockChange } from '../domain/types';
import { BatchStore } from '../db/batch-store';
import { normalise } from './normalise';

export const REJECTIONS_TOPIC = 'retail.inventory-reservations.v1';

export interface ProjectionHandlerOptions {
  schema: string;
  defaultPolicy: OversellPolicy;
  /** Called after each applied event (metrics), once its transaction's writes are issued. */
  onApplied?: (event: ProjectionEvent, changes: StockChange[], rejection: Rejection | null) => void;
}

interface Cause {
  eventId: string;
  correlationId: string;
}

/** One consumed message of the transaction, as the flush needs it. */
interface Pending {
  event: ProjectionEvent | null;
  cause: Cause;
  topic: string;
  partition: number;
  offset: string;
  /** The runner's emit, bound to the message's trace and correlation context. */
  emit: (event: EmitEvent) => Promise<void>;
}

interface DirtyMark {
  sku: string;
  locationId: string;
  cause: string;
  reference: string;
  by: Cause;
}

/** Changed keys for the availability flusher; the latest cause per key wins. */
async function markDirty(tx: PoolClient, schema: string, marks: DirtyMark[]): Promise<void> {
  if (marks.length === 0) return;
  await tx.query(
    `INSERT INTO "${schema}".availability_dirty (sku, location_id, cause, cause_reference, correlation_id, causation_id, marked_at)
     SELECT sku, location_id, cause, ref, correlation_id, causation_id, clock_timestamp()
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(sku, location_id, cause, ref, correlation_id, causation_id)
     ON CONFLICT (sku, location_id) DO UPDATE SET cause = excluded.cause, cause_reference = excluded.cause_reference,
       correlation_id = excluded.correlation_id, causation_id = excluded.causation_id, marked_at = excluded.marked_at`,
    [marks.map((m) => m.sku), marks.map((m) => m.locationId), marks.map((m) => m.cause), marks.map((m) => m.reference), marks.map((m) => m.by.correlationId), marks.map((m) => m.by.eventId)],
  );
}

/** Highest offset per partition of the transaction, for the rebuild's like-for-like replay. */
async function recordAppliedOffsets(tx: PoolClient, schema: string, pending: Pending[]): Promise<void> {
  const highest = new Map<string, { topic: string; partition: number; offset: bigint }>();
  for (const p of pending) {
    const key = `${p.topic}\u0000${p.partition}`;
    const offset = BigInt(p.offset);
    const known = highest.get(key);
    if (!known || offset > known.offset) highest.set(key, { topic: p.topic, partition: p.partition, offset });
  }
  const list = [...highest.values()];
  await tx.query(
    `INSERT INTO "${schema}".applied_offsets (topic, kafka_partition, kafka_offset)
     SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[])
     ON CONFLICT (topic, kafka_partition) DO UPDATE SET kafka_offset = GREATEST(applied_offsets.kafka_offset, excluded.kafka_offset)`,
    [list.map((o) => o.topic), list.map((o) => o.partition), list.map((o) => o.offset.toString())],
  );
}

/**
 * Applies a transaction's messages together: loads what they touch, runs the rules event after
 * event in arrival order, then writes the rows, dirty marks and applied offsets with one statement
 * each. Rejections are emitted in order, each in its own message's trace context.
 */
async function flush(tx: PoolClient, options: ProjectionHandlerOptions, pending: Pending[]): Promise<void> {
  const applicable = pending.filter((p): p is Pending & { event: ProjectionEvent } => p.event !== null);
  const store = await BatchStore.load(tx, options.schema, applicable.map((p) => p.event));
  const marks = new Map<string, DirtyMark>();
  const rejections: Array<{ pending: Pending; rejection: Rejection }> = [];
  const reservations: Array<{ pending: Pending; reserved: NonNullable<ReturnType<typeof applyEvent>['reserved']> }> = [];
  const applied: Array<{ event: ProjectionEvent; changes: StockChange[]; rejection: Rejection | null }> = [];
  for (const p of applicable) {
    const policy = p.event.kind === 'placed' ? store.policyOf(p.event.locationId, options.defaultPolicy) : options.defaultPolicy;
    const { changes, rejection, reserved } = applyEvent(store, p.event, { policyFor: () => policy });
    if (reserved) reservations.push({ pending: p, reserved });
    for (const c of changes) {
      const key = stockKey(c.row.sku, c.row.locationId);
      marks.delete(key); // keeps the map in order of last change
      marks.set(key, { sku: c.row.sku, locationId: c.row.locationId, cause: c.cause, reference: c.causeReference, by: p.cause });
    }
    if (rejection) rejections.push({ pending: p, rejection });
    applied.push({ event: p.event, changes, rejection });
  }
  await store.save(tx);
  await markDirty(tx, options.schema, [...marks.values()]);
  for (const { pending: p, rejection } of rejections) {
    await p.emit({
      topic: REJECTIONS_TOPIC,
      key: rejection.orderId,
      eventType: 'StockReservationRejected',
      value: { orderId: rejection.orderId, locationId: rejection.locationId, shortages: rejection.shortages, reason: rejection.reason },
    });
  }
  // The other verdict: a consumer that must not act on an order before the projector decided
  // (odoo-writer's STOCK_VERDICT=wait) waits for one of the two.
  for (const { pending: p, reserved } of reservations) {
    await p.emit({ topic: REJECTIONS_TOPIC, key: reserved.orderId, eventType: 'StockReserved', value: reserved });
  }
  await recordAppliedOffsets(tx, options.schema, pending);
  for (const a of applied) options.onApplied?.(a.event, a.changes, a.rejection);
}

export interface ProjectionConsumer {
  /** Validates each message on its own, so a bad event fails (and is dead-lettered) alone. */
  handler: EventHandler;
  /** Applies the transaction's messages together, in the same transaction as their inbox rows. */
  beforeCommit: BeforeCommit;
}

function pendingOf(ctx: HandlerContext, event: ProjectionEvent | null): Pending {
  return {
    event,
    cause: { eventId: ctx.event.envelope.eventId, correlationId: ctx.event.envelope.correlationId },
    topic: ctx.message.topic,
    partition: ctx.message.partition,
    offset: ctx.message.offset,
    emit: ctx.emit,
  };
}

/**
 * The runner's handler only validates each message; the runner's transaction hook then applies
 * all of the transaction's messages with one flush. A flush failure makes the runner apply the
 * messages one per transaction, so the event that causes it is isolated.
 */
export function createProjectionConsumer(options: ProjectionHandlerOptions): ProjectionConsumer {
  // The hook receives the very context objects the handler saw.
  const normalised = new WeakMap<HandlerContext, ProjectionEvent | null>();
  return {
    handler: async (ctx) => {
      normalised.set(ctx, normalise(ctx.event.eventType, ctx.event.value));
    },
    beforeCommit: (tx, items) =>
      flush(
        tx,
        options,
        items.map((ctx) => pendingOf(ctx, normalised.has(ctx) ? normalised.get(ctx)! : normalise(ctx.event.eventType, ctx.event.value))),
      ),
  };
}
