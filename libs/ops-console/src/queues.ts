import { EffectStore } from '@retail-backbone/messaging';
import { parseJsonBody, redact } from '@retail-backbone/observability';
import type pg from 'pg';
import { NotFound } from './api/problems';
import { Catalog, qualified, SCHEMAS } from './sources/database';

const iso = (v: unknown) => (v ? new Date(v as Date).toISOString() : null);

/** Parked writer events and failed outside effects: what waits for a fix, with its reason. */
export async function listParked(pool: pg.Pool, catalog: Catalog) {
  const parked = (await catalog.has(SCHEMAS.writer, 'parked'))
    ? (
        await pool.query(
          `SELECT id::text, order_id, event_type, reason, error_message, attempts, next_attempt_at, created_at FROM ${qualified(SCHEMAS.writer, 'parked')} WHERE status = 'parked' ORDER BY id LIMIT 500`,
        )
      ).rows.map((r) => ({ kind: 'parked event' as const, id: `${SCHEMAS.writer}.parked/${r.id}`, orderId: r.order_id, what: r.event_type, reason: r.reason, error: r.error_message, attempts: r.attempts, nextAttemptAt: iso(r.next_attempt_at), since: iso(r.created_at) }))
    : [];
  const effects = [];
  for (const schema of await catalog.schemasWith('outside_effects')) {
    for (const row of await new EffectStore(schema).list(pool, { states: ['failed', 'unknown'], limit: 500 })) {
      effects.push({ kind: 'outside effect' as const, id: `${schema}.outside_effects/${row.key}`, orderId: row.aggregate, what: row.kind, reason: row.state, error: row.lastError, attempts: row.attempts, nextAttemptAt: iso(row.nextAttemptAt), since: iso(row.createdAt) });
    }
  }
  return [...parked, ...effects];
}

/**
 * Retry now: the owning service's own retry loop does the work (odoo-writer's parked retrier,
 * the effect executor), so the console never calls Odoo itself; it only moves the next attempt
 * to now.
 */
export async function retryParked(pool: pg.Pool, catalog: Catalog, id: string): Promise<string> {
  const parked = new RegExp(`^${SCHEMAS.writer}\\.parked/(\\d+)$`).exec(id);
  if (parked && (await catalog.has(SCHEMAS.writer, 'parked'))) {
    const { rowCount } = await pool.query(`UPDATE ${qualified(SCHEMAS.writer, 'parked')} SET next_attempt_at = now(), updated_at = now() WHERE id = $1 AND status = 'parked'`, [parked[1]]);
    if (!rowCount) throw new NotFound(`no open parked event ${id}`);
    return 'next attempt moved to now; odoo-writer retries it on its next pass';
  }
  const effect = /^([a-z_][a-z0-9_]*)\.outside_effects\/(.+)$/.exec(id);
  if (effect && (await catalog.has(effect[1]!, 'outside_effects'))) {
    const n = await new EffectStore(effect[1]!).retryNow(pool, { key: effect[2]! });
    if (n === 0) throw new NotFound(`no open outside effect ${id}`);
    return `${n} effect(s) due now; the service's effect executor retries them`;
  }
  throw new NotFound(`unknown parked item ${id}`);
}

/** Refused payloads, with personal data and card numbers masked (the raw bytes stay in the table). */
export async function listRejections(pool: pg.Pool, catalog: Catalog) {
  if (!(await catalog.has(SCHEMAS.ingest, 'rejections'))) return [];
  const { rows } = await pool.query(
    `SELECT rejection_id::text, channel, channel_id, endpoint, external_id, http_status, reason_code, errors, content_type, payload, correlation_id, received_at
       FROM ${qualified(SCHEMAS.ingest, 'rejections')} ORDER BY received_at DESC LIMIT 200`,
  );
  return rows.map((r) => {
    // The bytes are kept as sent, so they may not even be UTF-8 (a refused body is kept whatever
    // it is): decoded in Node, where a bad byte is a refusal of this one payload, not of the list.
    let payload: unknown;
    try {
      payload = redact(parseJsonBody(r.payload as Buffer));
    } catch {
      payload = '(not UTF-8 JSON; not shown)';
    }
    return { rejectionId: r.rejection_id, channel: r.channel, channelId: r.channel_id, endpoint: r.endpoint, externalId: r.external_id, httpStatus: r.http_status, reasonCode: r.reason_code, errors: r.errors, payload, correlationId: r.correlation_id, receivedAt: iso(r.received_at) };
  });
}

export async function listConflicts(pool: pg.Pool, catalog: Catalog) {
  if (!(await catalog.has(SCHEMAS.ingest, 'fact_conflicts'))) return [];
  const { rows } = await pool.query(
    `SELECT id::text, channel, channel_id, kind, external_id, order_id::text, encode(original_hash, 'hex') AS original_hash, encode(conflicting_hash, 'hex') AS conflicting_hash, body, correlation_id, received_at, resolved_at
       FROM ${qualified(SCHEMAS.ingest, 'fact_conflicts')} ORDER BY received_at DESC LIMIT 200`,
  );
  return rows.map((r) => ({ id: r.id, channel: r.channel, channelId: r.channel_id, kind: r.kind, externalId: r.external_id, orderId: r.order_id, originalHash: r.original_hash, conflictingHash: r.conflicting_hash, body: redact(r.body), correlationId: r.correlation_id, receivedAt: iso(r.received_at), resolvedAt: iso(r.resolved_at) }));
}

/**
 * Keeping the original is the only side the store can take: the original is what was emitted;
 * the conflicting body was never turned into an event, and order-ingest has no path that would.
 */
export async function keepOriginal(pool: pg.Pool, catalog: Catalog, id: string): Promise<string> {
  if (!(await catalog.has(SCHEMAS.ingest, 'fact_conflicts'))) throw new NotFound(`no open conflict ${id}`);
  const { rowCount } = await pool.query(`UPDATE ${qualified(SCHEMAS.ingest, 'fact_conflicts')} SET resolved_at = now() WHERE id = $1 AND resolved_at IS NULL`, [id]);
  if (!rowCount) throw new NotFound(`no open conflict ${id}`);
  return 'original fact kept; conflict closed';
}
