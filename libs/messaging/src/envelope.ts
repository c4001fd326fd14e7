import { getEventType, isEventType, newEventId, type Envelope } from '@retail-backbone/contracts';
import { InvalidEventError } from './errors';

export { newEventId, type Envelope };

export interface EventValue {
  envelope: Envelope;
  [field: string]: unknown;
}

export interface EnvelopeInput {
  eventType: string;
  producer: string;
  region: string;
  correlationId: string;
  causationId?: string | null;
  schemaVersion?: number;
  eventId?: string;
  occurredAt?: number;
}

/** The major version of a catalog event type; 1 for types outside the catalog. */
function defaultSchemaVersion(eventType: string): number {
  return isEventType(eventType) ? getEventType(eventType).major : 1;
}

export function buildEnvelope(input: EnvelopeInput): Envelope {
  return {
    eventId: input.eventId ?? newEventId(),
    eventType: input.eventType,
    schemaVersion: input.schemaVersion ?? defaultSchemaVersion(input.eventType),
    occurredAt: input.occurredAt ?? Date.now(),
    producer: input.producer,
    correlationId: input.correlationId,
    causationId: input.causationId ?? null,
    region: input.region,
  };
}

/** Reads the envelope of a decoded value, rejecting values without a usable one. */
export function envelopeOf(value: unknown): Envelope {
  const envelope = (value as { envelope?: Partial<Envelope> } | null)?.envelope;
  if (!envelope || typeof envelope.eventId !== 'string' || envelope.eventId.length === 0) {
    throw new InvalidEventError('event value has no envelope.eventId');
  }
  return envelope as Envelope;
}
