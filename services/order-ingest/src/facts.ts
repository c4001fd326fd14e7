import type { EventPayloads, EventType } from '@retail-backbone/contracts';

/** What kind of channel fact a message carries; part of the de-duplication key. */
export type FactKind = 'order' | 'cancellation' | 'return' | 'payment' | 'refund';

/** One accepted business fact, normalised; becomes exactly one event unless seen before. */
export type Fact = {
  [T in EventType]: {
    kind: FactKind;
    channel: string;
    channelId: string;
    /** The channel's id of this fact (order id, refund id, payment intent id...). */
    externalId: string;
    orderId: string;
    eventType: T;
    body: Omit<EventPayloads[T], 'envelope'>;
    /** Epoch ms of the business fact (envelope.occurredAt). */
    occurredAt: number;
  };
}[EventType];

export function fact<T extends EventType>(
  eventType: T,
  fields: { kind: FactKind; channel: string; channelId: string; externalId: string; orderId: string; occurredAt: number },
  body: Omit<EventPayloads[T], 'envelope'>,
): Fact {
  return { ...fields, eventType, body } as Fact;
}

/** A mapped inbound message: the facts it carries and the order the answer refers to. */
export interface MappedMessage {
  orderId: string;
  /** The sender's id of the payload, for logs and rejection records. */
  externalId: string;
  facts: Fact[];
}

export interface ChannelContext {
  channelId: string;
  /** Stock location used when the channel does not name one (online orders). */
  defaultLocationId: string;
}
