import { currentCorrelationId, injectTraceContext } from '@retail-backbone/observability';
import type { PoolClient } from 'pg';
import { envelopeOf, type EventValue } from '../envelope';
import { InvalidEventError } from '../errors';
import { assertSchemaName } from '../schema-name';
import { toStoredJson } from '../stored-json';

export interface OutboxEvent {
  topic: string;
  /** Kafka key (the aggregate id): events of one key are published in order. */
  key: string;
  eventType: string;
  /** The full event value, envelope first. */
  value: EventValue;
  headers?: Record<string, string>;
}

export interface RecordOptions {
  /** The service schema holding the outbox table. */
  schema: string;
}

function validate(event: OutboxEvent): void {
  if (!event.topic) throw new InvalidEventError('outbox event needs a topic');
  if (!event.key) throw new InvalidEventError('outbox event needs a key');
  if (!event.eventType) throw new InvalidEventError('outbox event needs an eventType');
  const envelope = envelopeOf(event.value);
  if (envelope.eventType !== event.eventType) {
    throw new InvalidEventError(`eventType ${event.eventType} differs from envelope.eventType ${envelope.eventType}`);
  }
}

/**
 * Records events in the caller's transaction, with the active trace context and correlation id,
 * so they are published if and only if the transaction commits. The caller owns BEGIN/COMMIT.
 */
export async function recordEvents(tx: PoolClient, events: OutboxEvent[], options: RecordOptions): Promise<void> {
  if (events.length === 0) return;
  const schema = assertSchemaName(options.schema);
  const traceContext = JSON.stringify(injectTraceContext());
  const ambientCorrelation = currentCorrelationId();
  const columns: unknown[] = [];
  const rows: string[] = [];
  for (const event of events) {
    validate(event);
    const envelope = event.value.envelope;
    if (!envelope.correlationId && ambientCorrelation) envelope.correlationId = ambientCorrelation;
    const base = columns.length;
    rows.push(`($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}::jsonb, $${base + 6}::jsonb, $${base + 7}::jsonb, $${base + 8})`);
    columns.push(
      event.topic,
      event.key,
      envelope.eventId,
      event.eventType,
      toStoredJson(event.value),
      JSON.stringify(event.headers ?? {}),
      traceContext,
      envelope.correlationId || null,
    );
  }
  await tx.query(
    `INSERT INTO "${schema}".outbox (topic, message_key, event_id, event_type, payload, headers, trace_context, correlation_id)
     VALUES ${rows.join(', ')}`,
    columns,
  );
}

export function recordEvent(tx: PoolClient, event: OutboxEvent, options: RecordOptions): Promise<void> {
  return recordEvents(tx, [event], options);
}
