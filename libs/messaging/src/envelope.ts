import { getEventType, isEventType } from '@retail-backbone/contracts';
import { v7 as uuidv7 } from 'uuid';
import { InvalidEventError } from './errors';

/** The envelope every event value carries as its first field (see the contracts). */
export interface Envelope {
  eventId: string;
  eventType: string;
  schemaVersion: number;
  /** UTC epoch milliseconds. */
  occurredAt: number;
  producer: string;
  correlationId: string;
  causationId?: string | null;
  region: string;
}

export interface EventValue {
  envelope: Envelope;
  [field: string]: unknown;
}

export function newEventId(): string {
  return uuidv7();
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
