import { v7 as uuidv7 } from 'uuid';
import type { Envelope } from './generated/types';
import { getEventType, type EventType } from './topics';

/** A new event id: UUIDv7, so ids sort by creation time. */
export function newEventId(): string {
  return uuidv7();
}

export interface EnvelopeInput {
  producer: string;
  correlationId: string;
  region: string;
  /** eventId of the event that caused this one; omit for events born from outside input. */
  causationId?: string | null;
  /** Epoch milliseconds of the business fact; defaults to now. */
  occurredAt?: number;
  eventId?: string;
}

/** Builds the envelope of a new event, filling eventType and schemaVersion from the catalog. */
export function buildEnvelope(eventType: EventType, input: EnvelopeInput): Envelope {
  return {
    eventId: input.eventId ?? newEventId(),
    eventType,
    schemaVersion: getEventType(eventType).major,
    occurredAt: input.occurredAt ?? Date.now(),
    producer: input.producer,
    correlationId: input.correlationId,
    causationId: input.causationId ?? null,
    region: input.region,
  };
}

/** Envelope of an event derived from `cause`: same correlation id, causation id = cause's event id. */
export function derivedEnvelope(eventType: EventType, cause: Envelope, input: Omit<EnvelopeInput, 'correlationId' | 'causationId'>): Envelope {
  return buildEnvelope(eventType, { ...input, correlationId: cause.correlationId, causationId: cause.eventId });
}
