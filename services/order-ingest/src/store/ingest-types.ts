/** The shapes the ingest store's modules share. */
import type { Fact } from '../facts';
import type { FieldError } from '../http/problems';

export interface AcceptedBody {
  orderId: string;
  correlationId: string;
}

/** 'refused': new, but part of a message refused for a conflict (POS), so not recorded. */
export type FactStatus = 'accepted' | 'parked' | 'duplicate' | 'conflict' | 'refused';

/** What happened to one message's facts. */
export interface MessageResult {
  body: AcceptedBody;
  statuses: FactStatus[];
  emitted: number;
}

export interface RequestKey {
  scope: string;
  key: string;
  payloadHash: Buffer;
}

export interface StoredResponse {
  status: number;
  body: unknown;
  samePayload: boolean;
}

export interface RejectionInput {
  rejectionId: string;
  channel: string;
  channelId: string;
  endpoint: string;
  externalId: string | null;
  httpStatus: number;
  reasonCode: string;
  errors: FieldError[];
  contentType: string | null;
  /** The body as received, already scrubbed of card data. */
  payload: Buffer;
  correlationId: string;
  receivedAt: number;
}

export interface RequestClaim {
  key: RequestKey;
  status: number;
  body: unknown;
}

/** Where a store module writes: the schema (quoted as `s` for SQL) and the region stamped on envelopes. */
export interface StoreScope {
  schema: string;
  s: string;
  region: string;
}

/** A fact of the request with its fate: new (accepted or parked), duplicate, conflict or refused. */
export interface ClaimedFact {
  fact: Fact;
  eventId: string;
  hash: Buffer;
  status: FactStatus;
  /** For duplicates and conflicts: the correlation id of the first acceptance. */
  originalCorrelationId: string;
}

export interface ParkedCancellation {
  body: Fact['body'];
  eventId: string;
  correlationId: string;
  occurredAt: number;
}

/** Thrown inside a transaction to roll back and answer what was stored for the request key. */
export class RequestAlreadySeen extends Error {}
