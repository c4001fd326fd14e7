/**
 * The one place facts are written: de-duplication, order state, conflicts, rejections and the
 * outbox, each request in ONE transaction, so an answer of 202 means the events will be published
 * and a failure leaves nothing behind. The SQL of each job is in its own module: request-keys,
 * fact-claims, order-lifecycle, rejections, ingest-events.
 */
import type { Pool, PoolClient } from 'pg';
import type { MappedMessage } from '../facts';
import { claimFacts, recordConflicts, refuseConflicting } from './fact-claims';
import { recordInChunks } from './ingest-events';
import { RequestAlreadySeen, type AcceptedBody, type MessageResult, type RejectionInput, type RequestClaim, type RequestKey, type StoreScope, type StoredResponse } from './ingest-types';
import { eventsFor } from './order-lifecycle';
import { insertRejections } from './rejections';
import { claimRequest, lookupRequest, storedResponse, updateRequest } from './request-keys';
import { inTransaction } from './transaction';

export { PRODUCER } from './ingest-events';
export { sha256 } from './fact-claims';
export type { AcceptedBody, FactStatus, MessageResult, RejectionInput, RequestKey, StoredResponse } from './ingest-types';

class MessageRefused extends Error {
  constructor(readonly result: MessageResult) {
    super('message refused: a fact of it is known with other content');
  }
}

export interface IngestStoreOptions {
  pool: Pool;
  schema: string;
  region: string;
}

export class IngestStore {
  private readonly scope: StoreScope;

  constructor(private readonly options: IngestStoreOptions) {
    this.scope = { schema: options.schema, s: `"${options.schema}"`, region: options.region };
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
          await updateRequest(this.scope, tx, input.requestKey, 202, result!.body);
        }
        return { result: result!, status: 202, responseBody: result!.body };
      });
    } catch (error) {
      if (error instanceof RequestAlreadySeen && input.requestKey) return { replay: await storedResponse(this.scope, this.options.pool, input.requestKey) };
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
        await insertRejections(this.scope, tx, input.rejections);
        const response = input.respond(results);
        if (input.requestKey) await updateRequest(this.scope, tx, input.requestKey, response.status, response.body);
        return { results, status: response.status, responseBody: response.body };
      });
    } catch (error) {
      if (error instanceof RequestAlreadySeen && input.requestKey) return { replay: await storedResponse(this.scope, this.options.pool, input.requestKey) };
      throw error;
    }
  }

  /** Keeps a refused payload and emits IngestRejected; with a request key a repeat replays the answer. */
  async reject(input: { requestKey: RequestKey | null; rejection: RejectionInput; responseBody: unknown }): Promise<{ replay: StoredResponse } | { recorded: true }> {
    try {
      return await inTransaction(this.options.pool, async (tx) => {
        if (input.requestKey) await claimRequest(this.scope, tx, input.requestKey, input.rejection.httpStatus, input.responseBody);
        await insertRejections(this.scope, tx, [input.rejection]);
        return { recorded: true as const };
      });
    } catch (error) {
      if (error instanceof RequestAlreadySeen && input.requestKey) return { replay: await storedResponse(this.scope, this.options.pool, input.requestKey) };
      throw error;
    }
  }





  /** The answer stored for a request key, if any (read outside a transaction). */
  lookupRequest(requestKey: RequestKey): Promise<StoredResponse | null> {
    return lookupRequest(this.scope, this.options.pool, requestKey);
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
    const { claimed, released } = await claimFacts(this.scope, tx, facts, correlationId, claim, eventsInClaim);
    const byFact = new Map(claimed.map((c) => [c.fact, c]));
    if (onConflict === 'record') await recordConflicts(this.scope, tx, claimed.filter((c) => c.status === 'conflict'), correlationId);
    else await refuseConflicting(this.scope, tx, messages.map((m) => m.facts.map((f) => byFact.get(f)!)));
    const events = await eventsFor(this.scope, tx, claimed.filter((c) => c.status === 'accepted'), correlationId, released, eventsInClaim);
    await recordInChunks(tx, this.scope, events);
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








}
