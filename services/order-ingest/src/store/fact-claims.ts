/**
 * Channel facts, once each: the claiming statement (request key, facts, placed orders and, when
 * nothing can change its mind later, the outbox rows, in one CTE), then what was known already —
 * duplicates, conflicts kept (webhooks) or messages refused whole (POS).
 */
import { createHash } from 'node:crypto';
import { newEventId } from '@retail-backbone/contracts';
import { outboxColumns, outboxInsertSql, outboxParameters } from '@retail-backbone/messaging';
import type { PoolClient } from 'pg';
import type { Fact } from '../facts';
import { toOutbox } from './ingest-events';
import { RequestAlreadySeen, type ClaimedFact, type ParkedCancellation, type RequestClaim, type StoreScope } from './ingest-types';

export function sha256(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest();
}

/** A fact's de-duplication key as one string. */
function factKeyOf(fact: Fact): string {
  return JSON.stringify([fact.channel, fact.channelId, fact.kind, fact.externalId]);
}

/** The four key columns of facts, as the parallel arrays unnest() takes. */
function factKeyColumns(items: ClaimedFact[]): [string[], string[], string[], string[]] {
  return [items.map((c) => c.fact.channel), items.map((c) => c.fact.channelId), items.map((c) => c.fact.kind), items.map((c) => c.fact.externalId)];
}

function factHash(fact: Fact): Buffer {
  return sha256(JSON.stringify(fact.body));
}

/**
 * One statement on the hot path: claims the request key (when given), inserts the facts, marks
 * newly placed orders, returning the cancellations that were waiting for them, and (with
 * `withEvents`) writes the outbox rows of the facts it inserted. Facts already known come back
 * as duplicates or conflicts.
 */
export async function claimFacts(
  scope: StoreScope,
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
  const outbox = outboxInsertSql(scope.schema, 15);
  const { rows } = await tx.query<{ claimed: number; inserted: Array<[string, string, string, string]>; released: Array<{ order_id: string; parked: ParkedCancellation }> }>({
    name: `order-ingest-claim-${scope.schema}`,
    text: `WITH req AS (
       INSERT INTO ${scope.s}.ingest_requests (scope, request_key, payload_hash, status_code, response)
       SELECT $10::text, $11::text, $12::bytea, $13::smallint, $14::jsonb WHERE $10::text IS NOT NULL
       ON CONFLICT DO NOTHING RETURNING 1
     ), ins AS (
       INSERT INTO ${scope.s}.channel_facts (channel, channel_id, kind, external_id, order_id, event_type, event_id, fact_hash, correlation_id)
       SELECT f.*, $9::text FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::bytea[]) AS f
       WHERE $10::text IS NULL OR EXISTS (SELECT 1 FROM req)
       ON CONFLICT DO NOTHING
       RETURNING channel, channel_id, kind, external_id, order_id
     ), ord AS (
       INSERT INTO ${scope.s}.orders AS o (order_id, channel, channel_id, channel_order_id, placed)
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
      ...factKeyColumns(claimed),
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
            return toOutbox(scope, c.fact.eventType, c.fact.body, c.eventId, correlationId, c.fact.occurredAt);
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
  if (known.length > 0) await resolveKnown(scope, tx, known);
  const released = new Map(row.released.map((r) => [r.order_id, r.parked]));
  if (released.size > 0) {
    await tx.query(`UPDATE ${scope.s}.orders SET parked_cancellation = NULL, cancelled = true, updated_at = now() WHERE order_id = ANY($1::uuid[])`, [[...released.keys()]]);
  }
  return { claimed, released };
}

async function resolveKnown(scope: StoreScope, tx: PoolClient, known: ClaimedFact[]): Promise<void> {
  const { rows } = await tx.query<{ channel: string; channel_id: string; kind: string; external_id: string; fact_hash: Buffer; correlation_id: string }>(
    `SELECT f.channel, f.channel_id, f.kind, f.external_id, f.fact_hash, f.correlation_id
     FROM ${scope.s}.channel_facts f
     JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k(channel, channel_id, kind, external_id)
       USING (channel, channel_id, kind, external_id)`,
    factKeyColumns(known),
  );
  const stored = new Map(rows.map((r) => [JSON.stringify([r.channel, r.channel_id, r.kind, r.external_id]), r]));
  for (const c of known) {
    const row = stored.get(JSON.stringify([c.fact.channel, c.fact.channelId, c.fact.kind, c.fact.externalId]));
    if (!row) throw new Error(`fact ${c.fact.kind}/${c.fact.externalId} conflicted on insert but cannot be read`);
    c.status = row.fact_hash.equals(c.hash) ? 'duplicate' : 'conflict';
    c.originalCorrelationId = row.correlation_id;
  }
}

/** A message with a conflicting fact is refused whole: its new facts are taken back. */
export async function refuseConflicting(scope: StoreScope, tx: PoolClient, factsByMessage: ClaimedFact[][]): Promise<void> {
  const takeBack = factsByMessage.filter((facts) => facts.some((f) => f.status === 'conflict')).flatMap((facts) => facts.filter((f) => f.status === 'accepted'));
  if (takeBack.length === 0) return;
  for (const c of takeBack) c.status = 'refused';
  await tx.query(
    `DELETE FROM ${scope.s}.channel_facts f USING unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k(channel, channel_id, kind, external_id)
     WHERE (f.channel, f.channel_id, f.kind, f.external_id) = (k.channel, k.channel_id, k.kind, k.external_id)`,
    factKeyColumns(takeBack),
  );
}

export async function recordConflicts(scope: StoreScope, tx: PoolClient, conflicts: ClaimedFact[], correlationId: string): Promise<void> {
  if (conflicts.length === 0) return;
  await tx.query(
    `INSERT INTO ${scope.s}.fact_conflicts (channel, channel_id, kind, external_id, order_id, original_hash, conflicting_hash, body, correlation_id)
     SELECT k.channel, k.channel_id, k.kind, k.external_id, k.order_id, f.fact_hash, k.hash, k.body, $7
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::bytea[], $8::jsonb[]) AS k(channel, channel_id, kind, external_id, order_id, hash, body)
     JOIN ${scope.s}.channel_facts f USING (channel, channel_id, kind, external_id)`,
    [
      ...factKeyColumns(conflicts),
      conflicts.map((c) => c.fact.orderId),
      conflicts.map((c) => c.hash),
      correlationId,
      conflicts.map((c) => JSON.stringify(c.fact.body)),
    ],
  );
}
