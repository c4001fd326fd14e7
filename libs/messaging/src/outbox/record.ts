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

/** Outbox rows as parallel column arrays, ready for `unnest` (see OUTBOX_UNNEST_COLUMNS). */
export interface OutboxColumns {
  topic: string[];
  key: string[];
  eventId: string[];
  eventType: string[];
  /** Stored JSON (Dates, Buffers and bigints tagged). */
  payload: string[];
  headers: string[];
  /** One trace context for the whole statement: the one active while the rows are prepared. */
  traceContext: string;
  correlationId: Array<string | null>;
}

/**
 * Validates events and turns them into outbox column arrays, with the active trace context and
 * correlation id. For callers that write the rows inside a statement of their own (a CTE), so the
 * rows cost no extra round trip; recordEvents uses it too.
 */
export function outboxColumns(events: OutboxEvent[]): OutboxColumns {
  const ambientCorrelation = currentCorrelationId();
  const columns: OutboxColumns = {
    topic: [],
    key: [],
    eventId: [],
    eventType: [],
    payload: [],
    headers: [],
    traceContext: JSON.stringify(injectTraceContext()),
    correlationId: [],
  };
  for (const event of events) {
    validate(event);
    const envelope = event.value.envelope;
    if (!envelope.correlationId && ambientCorrelation) envelope.correlationId = ambientCorrelation;
    columns.topic.push(event.topic);
    columns.key.push(event.key);
    columns.eventId.push(envelope.eventId);
    columns.eventType.push(event.eventType);
    columns.payload.push(toStoredJson(event.value));
    columns.headers.push(event.headers ? JSON.stringify(event.headers) : '{}');
    columns.correlationId.push(envelope.correlationId || null);
  }
  return columns;
}

/** Parameter values for OUTBOX_UNNEST_COLUMNS, in its order ($n … $n+7). */
export function outboxParameters(columns: OutboxColumns): unknown[] {
  return [columns.topic, columns.key, columns.eventId, columns.eventType, columns.payload, columns.headers, columns.traceContext, columns.correlationId];
}

/**
 * The outbox INSERT's column list and the matching `unnest` source for parameters starting at
 * `$first`; the rows keep the order of the arrays (ids follow it).
 */
export function outboxInsertSql(schema: string, first: number): { columns: string; source: string } {
  const p = (offset: number) => `$${first + offset}`;
  return {
    columns: `"${assertSchemaName(schema)}".outbox (topic, message_key, event_id, event_type, payload, headers, trace_context, correlation_id)`,
    source:
      `SELECT r.topic, r.message_key, r.event_id, r.event_type, r.payload, r.headers, ${p(6)}::jsonb, r.correlation_id ` +
      `FROM unnest(${p(0)}::text[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::jsonb[], ${p(5)}::jsonb[], ${p(7)}::text[]) ` +
      `WITH ORDINALITY AS r(topic, message_key, event_id, event_type, payload, headers, correlation_id, n)`,
  };
}

/**
 * Records events in the caller's transaction, with the active trace context and correlation id,
 * so they are published if and only if the transaction commits. The caller owns BEGIN/COMMIT.
 * One statement text whatever the row count, so it is prepared once per connection.
 */
export async function recordEvents(tx: PoolClient, events: OutboxEvent[], options: RecordOptions): Promise<void> {
  if (events.length === 0) return;
  const schema = assertSchemaName(options.schema);
  const sql = outboxInsertSql(schema, 1);
  await tx.query({
    name: `outbox-record-${schema}`,
    text: `INSERT INTO ${sql.columns} ${sql.source} ORDER BY r.n`,
    values: outboxParameters(outboxColumns(events)),
  });
}

export function recordEvent(tx: PoolClient, event: OutboxEvent, options: RecordOptions): Promise<void> {
  return recordEvents(tx, [event], options);
}
