/** The events ingest records: envelopes stamped by order-ingest, written to the outbox in bounded statements. */
import { buildEnvelope, eventKey, topicOf } from '@retail-backbone/contracts';
import { recordEvents, type EventValue, type OutboxEvent } from '@retail-backbone/messaging';
import type { PoolClient } from 'pg';
import type { Fact } from '../facts';
import type { StoreScope } from './ingest-types';

export const PRODUCER = 'order-ingest';
/** recordEvents writes one multi-row INSERT; this keeps it under PostgreSQL's 65,535 parameters. */
const OUTBOX_CHUNK = 1_000;

export function toOutbox(scope: StoreScope, eventType: Fact['eventType'], body: object, eventId: string, correlationId: string, occurredAt: number): OutboxEvent {
  const envelope = buildEnvelope(eventType, { producer: PRODUCER, correlationId, region: scope.region, occurredAt, eventId });
  const value = { envelope, ...body };
  // messaging types occurredAt as a Date; the contracts (and the Avro serde) carry epoch ms.
  return { topic: topicOf(eventType), key: eventKey(eventType, value), eventType, value: value as unknown as EventValue };
}

export async function recordInChunks(tx: PoolClient, scope: StoreScope, events: OutboxEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += OUTBOX_CHUNK) {
    await recordEvents(tx, events.slice(i, i + OUTBOX_CHUNK), { schema: scope.schema });
  }
}
