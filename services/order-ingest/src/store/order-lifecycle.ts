/**
 * The order lifecycle of accepted facts: a cancellation of an order not placed yet is parked on
 * the order row and emitted right after the OrderPlaced that eventually arrives, so consumers
 * always see placement first.
 */
import type { OutboxEvent } from '@retail-backbone/messaging';
import type { PoolClient } from 'pg';
import { toOutbox } from './ingest-events';
import type { ClaimedFact, ParkedCancellation, StoreScope } from './ingest-types';

/**
 * Events of newly accepted facts, in fact order, applying the order lifecycle: a cancellation of
 * an order not placed yet is parked (status 'parked', no event) and emitted right after the
 * OrderPlaced that eventually arrives, so consumers always see placement first.
 */
export async function eventsFor(
  scope: StoreScope,
  tx: PoolClient,
  accepted: ClaimedFact[],
  correlationId: string,
  released: Map<string, ParkedCancellation>,
  recordedInClaim: boolean,
): Promise<OutboxEvent[]> {
  const events: OutboxEvent[] = [];
  for (const c of accepted) {
    if (c.fact.kind === 'cancellation' && !(await cancelOrder(scope, tx, c))) {
      c.status = 'parked';
      continue;
    }
    if (!recordedInClaim) events.push(toOutbox(scope, c.fact.eventType, c.fact.body, c.eventId, correlationId, c.fact.occurredAt));
    const parked = c.fact.kind === 'order' ? released.get(c.fact.orderId) : undefined;
    if (parked) {
      released.delete(c.fact.orderId);
      events.push(toOutbox(scope, 'OrderCancelled', parked.body, parked.eventId, parked.correlationId, parked.occurredAt));
    }
  }
  return events;
}

/** True when the order is placed and the cancellation can be emitted now; else it is parked. */
async function cancelOrder(scope: StoreScope, tx: PoolClient, c: ClaimedFact): Promise<boolean> {
  const parked: ParkedCancellation = { body: c.fact.body, eventId: c.eventId, correlationId: c.originalCorrelationId, occurredAt: c.fact.occurredAt };
  const { rows } = await tx.query<{ placed: boolean }>(
    `INSERT INTO ${scope.s}.orders AS o (order_id, channel, channel_id, channel_order_id, parked_cancellation)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (order_id) DO UPDATE SET
       cancelled = o.placed,
       parked_cancellation = CASE WHEN o.placed THEN NULL ELSE EXCLUDED.parked_cancellation END,
       updated_at = now()
     RETURNING placed`,
    [c.fact.orderId, c.fact.channel, c.fact.channelId, c.fact.externalId, JSON.stringify(parked)],
  );
  return rows[0]!.placed;
}
