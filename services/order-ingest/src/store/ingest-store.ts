/**
 * The one place facts are written: de-duplication, order state, conflicts, rejections and the
 * outbox, each request in ONE transaction, so an answer of 202 means the events will be published
 * and a failure leaves nothing behind.
 */
import { createHash } from 'node:crypto';
import { buildEnvelope, eventKey, newEventId, topicOf, type IngestRejected } from '@retail-backbone/contracts';
import { outboxColumns, outboxInsertSql, outboxParameters, recordEvents, type EventValue, type OutboxEvent } from '@retail-backbone/messaging';
import type { Pool, PoolClient } from 'pg';
import type { Fact, MappedMessage } from '../facts';
import type { FieldError } from '../http/problems';
import { inTransaction } from './transaction';

export const PRODUCER = 'order-ingest';
/** recordEvents writes one multi-row INSERT; this keeps it under PostgreSQL's 65,535 parameters. */
const OUTBOX_CHUNK = 1_000;

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

interface RequestClaim {
  key: RequestKey;
  status: number;
  body: unknown;
}

/** Thrown inside a transaction to roll back and answer what was stored for the request key. */
class RequestAlreadySeen extends Error {}

class MessageRefused extends Error {
  constructor(readonly result: MessageResult) {
    super('message refused: a fact of it is known with other content');
  }
}

export function sha256(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest();
}

/** A fact's de-duplication key as one string. */
function factKeyOf(fact: Fact): string {
  return JSON.stringify([fact.channel, fact.channelId, fact.kind, fact.externalId]);
}

function factHash(fact: Fact): Buffer {
  return sha256(JSON.stringify(fact.body));
}

interface ClaimedFact {
  fact: Fact;
  eventId: string;
  hash: Buffer;
  status: FactStatus;
  /** For duplicates and conflicts: the correlation id of the first acceptance. */
  originalCorrelationId: string;
}

interface ParkedCancellation {
  body: Fact['body'];
  eventId: string;
  correlationId: string;
  occurredAt: number;
}

export interface IngestStoreOptions {
  pool: Pool;
  schema: string;
  region: string;
}

export class IngestStore {
  private readonly s: string;

  constructor(private readonly options: IngestStoreOptions) {
    this.s = `"${options.schema}"`;
  }

  get pool(): Pool {
    return this.options.pool;
  }

  /**
   * Records one inbound message. With a request key, a repeat answers the stored response
   * (`replay`) without touching anything; otherwise the facts are claimed and new ones emitted.
   * `onFactConflict: 'refuse'` (POS) answers 409 when a known id comes with other content;
   * 'record' (webhooks) answers 2xx and keeps a conflict row.
   */
  async ingest(input: {
    requestKey: RequestKey | null;
    correlationId: string;
    message: MappedMessage;
    onFactConflict: 'record' | 'refuse';
  }): Promise<{ replay: StoredResponse } | { refused: MessageResult } | { result: MessageResult; status: number; responseBody: unknown }> {
    try {
      return await inTransaction(this.options.pool, async (tx) => {
        const provisional: AcceptedBody = { orderId: input.message.orderId, correlationId: input.correlationId };
        const claim = input.requestKey ? { key: input.requestKey, status: 202, body: provisional } : null;
        const [result] = await this.claimMessages(tx, [input.message], input.correlationId, input.onFactConflict, claim);
        // Refused as a whole: nothing of it (not even its request key) is kept.
        if (result!.statuses.includes('refused')) throw new MessageRefused(result!);
        if (input.requestKey && result!.body.correlationId !== provisional.correlationId) {
          await this.updateRequest(tx, input.requestKey, 202, result!.body);
        }
        return { result: result!, status: 202, responseBody: result!.body };
      });
    } catch (error) {
      if (error instanceof RequestAlreadySeen && input.requestKey) return { replay: await this.storedResponse(input.requestKey) };
      if (error instanceof MessageRefused) return { refused: error.result };
      throw error;
    }
  }

  /**
   * Records many messages (POS offline batch) in one transaction: all valid items are committed
   * together or none is. Rejected items are kept and emitted as IngestRejected alongside.
   */
  async ingestBatch(input: {
    requestKey: RequestKey | null;
    correlationId: string;
    messages: MappedMessage[];
    rejections: RejectionInput[];
    respond: (results: MessageResult[]) => { status: number; body: unknown };
  }): Promise<{ replay: StoredResponse } | { results: MessageResult[]; status: number; responseBody: unknown }> {
    try {
      return await inTransaction(this.options.pool, async (tx) => {
        const claim = input.requestKey ? { key: input.requestKey, status: 207, body: { pending: true } } : null;
        const results = await this.claimMessages(tx, input.messages, input.correlationId, 'refuse', claim);
        await this.insertRejections(tx, input.rejections);
        const response = input.respond(results);
        if (input.requestKey) await this.updateRequest(tx, input.requestKey, response.status, response.body);
        return { results, status: response.status, responseBody: response.body };
      });
    } catch (error) {
      if (error instanceof RequestAlreadySeen && input.requestKey) return { replay: await this.storedResponse(input.requestKey) };
      throw error;
    }
  }

  /** Keeps a refused payload and emits IngestRejected; with a request key a repeat replays the answer. */
  async reject(input: { requestKey: RequestKey | null; rejection: RejectionInput; responseBody: unknown }): Promise<{ replay: StoredResponse } | { recorded: true }> {
    try {
      return await inTransaction(this.options.pool, async (tx) => {
        if (input.requestKey) await this.claimRequest(tx, input.requestKey, input.rejection.httpStatus, input.responseBody);
        await this.insertRejections(tx, [input.rejection]);
        return { recorded: true as const };
      });
    } catch (error) {
      if (error instanceof RequestAlreadySeen && input.requestKey) return { replay: await this.storedResponse(input.requestKey) };
      throw error;
    }
  }

  /** The answer stored for a request key, if any (read outside a transaction). */
  async lookupRequest(requestKey: RequestKey): Promise<StoredResponse | null> {
    const { rows } = await this.options.pool.query<{ status_code: number; response: unknown; payload_hash: Buffer }>(
      `SELECT status_code, response, payload_hash FROM ${this.s}.ingest_requests WHERE scope = $1 AND request_key = $2`,
      [requestKey.scope, requestKey.key],
    );
    const row = rows[0];
    return row ? { status: row.status_code, body: row.response, samePayload: row.payload_hash.equals(requestKey.payloadHash) } : null;
  }

  private async storedResponse(requestKey: RequestKey): Promise<StoredResponse> {
    const stored = await this.lookupRequest(requestKey);
    if (!stored) throw new Error(`request ${requestKey.scope}/${requestKey.key} vanished after a key conflict`);
    return stored;
  }

  private async claimRequest(tx: PoolClient, requestKey: RequestKey, status: number, body: unknown): Promise<void> {
    const inserted = await tx.query(
      `INSERT INTO ${this.s}.ingest_requests (scope, request_key, payload_hash, status_code, response)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [requestKey.scope, requestKey.key, requestKey.payloadHash, status, JSON.stringify(body)],
    );
    if (inserted.rowCount === 0) throw new RequestAlreadySeen();
  }

  private async updateRequest(tx: PoolClient, requestKey: RequestKey, status: number, body: unknown): Promise<void> {
    await tx.query(`UPDATE ${this.s}.ingest_requests SET status_code = $3, response = $4 WHERE scope = $1 AND request_key = $2`, [
      requestKey.scope,
      requestKey.key,
      status,
      JSON.stringify(body),
    ]);
  }

  private async claimMessages(
    tx: PoolClient,
    messages: MappedMessage[],
    correlationId: string,
    onConflict: 'record' | 'refuse',
    claim: RequestClaim | null,
  ): Promise<MessageResult[]> {
    const facts = messages.flatMap((m) => m.facts);
    // The events of new facts are written by the claiming statement itself unless a fact may
    // still change its mind after it: a cancellation (it may be parked) or a POS batch item (it
    // may be refused while the rest of the batch is kept).
    const eventsInClaim = !facts.some((f) => f.kind === 'cancellation') && (onConflict === 'record' || messages.length === 1);
    const { claimed, released } = await this.claimFacts(tx, facts, correlationId, claim, eventsInClaim);
    const byFact = new Map(claimed.map((c) => [c.fact, c]));
    if (onConflict === 'record') await this.recordConflicts(tx, claimed.filter((c) => c.status === 'conflict'), correlationId);
    else await this.refuseConflicting(tx, messages.map((m) => m.facts.map((f) => byFact.get(f)!)));
    const events = await this.eventsFor(tx, claimed.filter((c) => c.status === 'accepted'), correlationId, released, eventsInClaim);
    for (let i = 0; i < events.length; i += OUTBOX_CHUNK) {
      await recordEvents(tx, events.slice(i, i + OUTBOX_CHUNK), { schema: this.options.schema });
    }
    return messages.map((message) => {
      const facts = message.facts.map((f) => byFact.get(f)!);
      const primary = facts[0];
      const original = primary && primary.status !== 'accepted' && primary.status !== 'parked';
      return {
        body: { orderId: message.orderId, correlationId: original ? primary.originalCorrelationId : correlationId },
        statuses: facts.map((f) => f.status),
        emitted: facts.filter((f) => f.status === 'accepted').length,
      };
    });
  }

  /**
   * One statement on the hot path: claims the request key (when given), inserts the facts, marks
   * newly placed orders, returning the cancellations that were waiting for them, and (with
   * `withEvents`) writes the outbox rows of the facts it inserted. Facts already known come back
   * as duplicates or conflicts.
   */
  private async claimFacts(
    tx: PoolClient,
    facts: Fact[],
    correlationId: string,
    claim: RequestClaim | null,
    withEvents: boolean,
  ): Promise<{ claimed: ClaimedFact[]; released: Map<string, ParkedCancellation> }> {
    const claimed: ClaimedFact[] = facts.map((fact) => ({ fact, eventId: newEventId(), hash: factHash(fact), status: 'accepted', originalCorrelationId: correlationId }));
    // One candidate event per distinct fact (a repeated fact within the request is a duplicate of
    // its first copy); the statement keeps those whose fact it actually inserted.
    const candidates = new Map<string, number>();
    if (withEvents) {
      claimed.forEach((c, index) => {
        const key = factKeyOf(c.fact);
        if (!candidates.has(key)) candidates.set(key, index);
      });
    }
    const eventFacts = [...candidates.values()];
    const outbox = outboxInsertSql(this.options.schema, 15);
    const { rows } = await tx.query<{ claimed: number; inserted: Array<[string, string, string, string]>; released: Array<{ order_id: string; parked: ParkedCancellation }> }>({
      name: `order-ingest-claim-${this.options.schema}`,
      text: `WITH req AS (
         INSERT INTO ${this.s}.ingest_requests (scope, request_key, payload_hash, status_code, response)
         SELECT $10::text, $11::text, $12::bytea, $13::smallint, $14::jsonb WHERE $10::text IS NOT NULL
         ON CONFLICT DO NOTHING RETURNING 1
       ), ins AS (
         INSERT INTO ${this.s}.channel_facts (channel, channel_id, kind, external_id, order_id, event_type, event_id, fact_hash, correlation_id)
         SELECT f.*, $9::text FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::bytea[]) AS f
         WHERE $10::text IS NULL OR EXISTS (SELECT 1 FROM req)
         ON CONFLICT DO NOTHING
         RETURNING channel, channel_id, kind, external_id, order_id
       ), ord AS (
         INSERT INTO ${this.s}.orders AS o (order_id, channel, channel_id, channel_order_id, placed)
         SELECT order_id, channel, channel_id, external_id, true FROM ins WHERE kind = 'order'
         ON CONFLICT (order_id) DO UPDATE SET placed = true, updated_at = now()
         RETURNING order_id, parked_cancellation
       ), events AS (
         INSERT INTO ${outbox.columns}
         ${outbox.source}
         JOIN unnest($23::int[]) WITH ORDINALITY AS k(fact_index, n) USING (n)
         JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS f(channel, channel_id, kind, external_id, fact_index) USING (fact_index)
         WHERE EXISTS (SELECT 1 FROM ins WHERE (ins.channel, ins.channel_id, ins.kind, ins.external_id) = (f.channel, f.channel_id, f.kind, f.external_id))
         ORDER BY r.n
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM req)::int AS claimed,
              COALESCE((SELECT json_agg(json_build_array(channel, channel_id, kind, external_id)) FROM ins), '[]'::json) AS inserted,
              COALESCE((SELECT json_agg(json_build_object('order_id', order_id, 'parked', parked_cancellation)) FROM ord WHERE parked_cancellation IS NOT NULL), '[]'::json) AS released`,
      values: [
        claimed.map((c) => c.fact.channel),
        claimed.map((c) => c.fact.channelId),
        claimed.map((c) => c.fact.kind),
        claimed.map((c) => c.fact.externalId),
        claimed.map((c) => c.fact.orderId),
        claimed.map((c) => c.fact.eventType),
        claimed.map((c) => c.eventId),
        claimed.map((c) => c.hash),
        correlationId,
        claim?.key.scope ?? null,
        claim?.key.key ?? null,
        claim?.key.payloadHash ?? null,
        claim?.status ?? null,
        claim ? JSON.stringify(claim.body) : null,
        ...outboxParameters(
          outboxColumns(
            eventFacts.map((index) => {
              const c = claimed[index]!;
              return this.toOutbox(c.fact.eventType, c.fact.body, c.eventId, correlationId, c.fact.occurredAt);
            }),
          ),
        ),
        eventFacts.map((index) => index + 1),
      ],
    });
    const row = rows[0]!;
    if (claim && row.claimed === 0) throw new RequestAlreadySeen();
    const fresh = new Set(row.inserted.map((inserted) => JSON.stringify(inserted)));
    const seen = new Set<string>();
    const known: ClaimedFact[] = [];
    for (const c of claimed) {
      const key = factKeyOf(c.fact);
      // A second copy of the same fact within one request is a duplicate of the first.
      if (fresh.has(key) && !seen.has(key)) seen.add(key);
      else known.push(c);
    }
    if (known.length > 0) await this.resolveKnown(tx, known);
    const released = new Map(row.released.map((r) => [r.order_id, r.parked]));
    if (released.size > 0) {
      await tx.query(`UPDATE ${this.s}.orders SET parked_cancellation = NULL, cancelled = true, updated_at = now() WHERE order_id = ANY($1::uuid[])`, [[...released.keys()]]);
    }
    return { claimed, released };
  }

  /** A message with a conflicting fact is refused whole: its new facts are taken back. */
  private async refuseConflicting(tx: PoolClient, factsByMessage: ClaimedFact[][]): Promise<void> {
    const takeBack = factsByMessage.filter((facts) => facts.some((f) => f.status === 'conflict')).flatMap((facts) => facts.filter((f) => f.status === 'accepted'));
    if (takeBack.length === 0) return;
    for (const c of takeBack) c.status = 'refused';
    await tx.query(
      `DELETE FROM ${this.s}.channel_facts f USING unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k(channel, channel_id, kind, external_id)
       WHERE (f.channel, f.channel_id, f.kind, f.external_id) = (k.channel, k.channel_id, k.kind, k.external_id)`,
      [takeBack.map((c) => c.fact.channel), takeBack.map((c) => c.fact.channelId), takeBack.map((c) => c.fact.kind), takeBack.map((c) => c.fact.externalId)],
    );
  }

  private async resolveKnown(tx: PoolClient, known: ClaimedFact[]): Promise<void> {
    const { rows } = await tx.query<{ channel: string; channel_id: string; kind: string; external_id: string; fact_hash: Buffer; correlation_id: string }>(
      `SELECT f.channel, f.channel_id, f.kind, f.external_id, f.fact_hash, f.correlation_id
       FROM ${this.s}.channel_facts f
       JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k(channel, channel_id, kind, external_id)
         USING (channel, channel_id, kind, external_id)`,
      [known.map((c) => c.fact.channel), known.map((c) => c.fact.channelId), known.map((c) => c.fact.kind), known.map((c) => c.fact.externalId)],
    );
    const stored = new Map(rows.map((r) => [JSON.stringify([r.channel, r.channel_id, r.kind, r.external_id]), r]));
    for (const c of known) {
      const row = stored.get(JSON.stringify([c.fact.channel, c.fact.channelId, c.fact.kind, c.fact.externalId]));
      if (!row) throw new Error(`fact ${c.fact.kind}/${c.fact.externalId} conflicted on insert but cannot be read`);
      c.status = row.fact_hash.equals(c.hash) ? 'duplicate' : 'conflict';
      c.originalCorrelationId = row.correlation_id;
    }
  }

  private async recordConflicts(tx: PoolClient, conflicts: ClaimedFact[], correlationId: string): Promise<void> {
    if (conflicts.length === 0) return;
    await tx.query(
      `INSERT INTO ${this.s}.fact_conflicts (channel, channel_id, kind, external_id, order_id, original_hash, conflicting_hash, body, correlation_id)
       SELECT k.channel, k.channel_id, k.kind, k.external_id, k.order_id, f.fact_hash, k.hash, k.body, $7
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::bytea[], $8::jsonb[]) AS k(channel, channel_id, kind, external_id, order_id, hash, body)
       JOIN ${this.s}.channel_facts f USING (channel, channel_id, kind, external_id)`,
      [
        conflicts.map((c) => c.fact.channel),
        conflicts.map((c) => c.fact.channelId),
        conflicts.map((c) => c.fact.kind),
        conflicts.map((c) => c.fact.externalId),
        conflicts.map((c) => c.fact.orderId),
        conflicts.map((c) => c.hash),
        correlationId,
        conflicts.map((c) => JSON.stringify(c.fact.body)),
      ],
    );
  }

  /**
   * Events of newly accepted facts, in fact order, applying the order lifecycle: a cancellation of
   * an order not placed yet is parked (status 'parked', no event) and emitted right after the
   * OrderPlaced that eventually arrives, so consumers always see placement first.
   */
  private async eventsFor(
    tx: PoolClient,
    accepted: ClaimedFact[],
    correlationId: string,
    released: Map<string, ParkedCancellation>,
    recordedInClaim: boolean,
  ): Promise<OutboxEvent[]> {
    const events: OutboxEvent[] = [];
    for (const c of accepted) {
      if (c.fact.kind === 'cancellation' && !(await this.cancelOrder(tx, c))) {
        c.status = 'parked';
        continue;
      }
      if (!recordedInClaim) events.push(this.toOutbox(c.fact.eventType, c.fact.body, c.eventId, correlationId, c.fact.occurredAt));
      const parked = c.fact.kind === 'order' ? released.get(c.fact.orderId) : undefined;
      if (parked) {
        released.delete(c.fact.orderId);
        events.push(this.toOutbox('OrderCancelled', parked.body, parked.eventId, parked.correlationId, parked.occurredAt));
      }
    }
    return events;
  }

  /** True when the order is placed and the cancellation can be emitted now; else it is parked. */
  private async cancelOrder(tx: PoolClient, c: ClaimedFact): Promise<boolean> {
    const parked: ParkedCancellation = { body: c.fact.body, eventId: c.eventId, correlationId: c.originalCorrelationId, occurredAt: c.fact.occurredAt };
    const { rows } = await tx.query<{ placed: boolean }>(
      `INSERT INTO ${this.s}.orders AS o (order_id, channel, channel_id, channel_order_id, parked_cancellation)
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

  private toOutbox(eventType: Fact['eventType'], body: object, eventId: string, correlationId: string, occurredAt: number): OutboxEvent {
    const envelope = buildEnvelope(eventType, { producer: PRODUCER, correlationId, region: this.options.region, occurredAt, eventId });
    const value = { envelope, ...body };
    // messaging types occurredAt as a Date; the contracts (and the Avro serde) carry epoch ms.
    return { topic: topicOf(eventType), key: eventKey(eventType, value), eventType, value: value as unknown as EventValue };
  }

  private async insertRejections(tx: PoolClient, rejections: RejectionInput[]): Promise<void> {
    if (rejections.length === 0) return;
    await tx.query(
      `INSERT INTO ${this.s}.rejections (rejection_id, channel, channel_id, endpoint, external_id, http_status, reason_code, errors, content_type, payload, correlation_id, received_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::smallint[], $7::text[], $8::jsonb[], $9::text[], $10::bytea[], $11::text[], $12::timestamptz[])`,
      [
        rejections.map((r) => r.rejectionId),
        rejections.map((r) => r.channel),
        rejections.map((r) => r.channelId),
        rejections.map((r) => r.endpoint),
        rejections.map((r) => r.externalId),
        rejections.map((r) => r.httpStatus),
        rejections.map((r) => r.reasonCode),
        rejections.map((r) => JSON.stringify(r.errors)),
        rejections.map((r) => r.contentType),
        rejections.map((r) => r.payload),
        rejections.map((r) => r.correlationId),
        rejections.map((r) => new Date(r.receivedAt)),
      ],
    );
    const events = rejections.map((r) => {
      const body: Omit<IngestRejected, 'envelope'> = {
        rejectionId: r.rejectionId,
        channel: r.channel,
        channelId: r.channelId,
        endpoint: r.endpoint,
        externalId: r.externalId,
        httpStatus: r.httpStatus,
        reasonCode: r.reasonCode,
        errors: r.errors.map((e) => ({ path: e.pointer, message: e.detail })),
        contentType: r.contentType,
        payload: r.payload,
        receivedAt: r.receivedAt,
      };
      return this.toOutbox('IngestRejected', body, newEventId(), r.correlationId, r.receivedAt);
    });
    for (let i = 0; i < events.length; i += OUTBOX_CHUNK) {
      await recordEvents(tx, events.slice(i, i + OUTBOX_CHUNK), { schema: this.options.schema });
    }
  }
}
