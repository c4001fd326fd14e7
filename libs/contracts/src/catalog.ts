/**
 * The topic catalog in code: topic settings and keys (from ./topics) plus the schema of every event
 * type (from the generated, self-contained schemas).
 */
import * as avro from 'avsc';
import { EVENT_SCHEMAS } from './generated/schemas';
import { getEventType, type EventType } from './topics';

export * from './topics';

const types = new Map<EventType, avro.Type>();

/** Self-contained Avro schema (JSON) of the current version of an event type. */
export function getSchema(eventType: EventType | string): object {
  return EVENT_SCHEMAS[getEventType(eventType).eventType];
}

/** The schema as it is registered: compact JSON text. */
export function getSchemaText(eventType: EventType | string): string {
  return JSON.stringify(getSchema(eventType));
}

/** Parsed avsc type of the current (reader) schema of an event type, cached. */
export function getAvroType(eventType: EventType | string): avro.Type {
  const def = getEventType(eventType);
  let type = types.get(def.eventType);
  if (!type) {
    type = avro.Type.forSchema(getSchema(def.eventType) as avro.Schema);
    types.set(def.eventType, type);
  }
  return type;
}
