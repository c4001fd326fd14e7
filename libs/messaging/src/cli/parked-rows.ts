/**
 * Parked outbox rows (a row the relay could not encode, or the broker refused: `retry_at` and
 * `last_error` set, never published; it holds back the later rows of its key) and what an operator
 * may do with them: look, check them against the current schema, release them for an immediate
 * retry, replace the payload, or drop them with a reason (kept in `outbox_dropped`).
 */
import type pg from 'pg';
import { errorClass, errorMessage } from '../errors';
import type { EventSerde } from '../serde';
import { fromStoredJson, toStoredJson } from '../stored-json';

export interface ParkedRow {
  id: string;
  topic: string;
  messageKey: string;
  eventId: string;
  eventType: string;
  attempts: number;
  retryAt: Date;
  lastError: string | null;
  createdAt: Date;
  payloadBytes: number;
  /** Later unpublished rows of the same key, held back behind this one. */
  heldBack: number;
}

export interface ParkedFilter {
  id?: string;
  key?: string;
  topic?: string;
  limit?: number;
}

/** Thrown for an operator mistake (no such parked row, a payload that changes the event's identity). */
export class ParkedRowError extends Error {}

const PARKED = 'o.published_at IS NULL AND o.retry_at IS NOT NULL';

function where(filter: ParkedFilter): { sql: string; params: unknown[] } {
  const clauses = [PARKED];
  const params: unknown[] = [];
  if (filter.id !== undefined) clauses.push(`o.id = $${params.push(filter.id)}::bigint`);
  if (filter.key !== undefined) clauses.push(`o.message_key = $${params.push(filter.key)}`);
  if (filter.topic !== undefined) clauses.push(`o.topic = $${params.push(filter.topic)}`);
  return { sql: clauses.join(' AND '), params };
}

export class ParkedRows {
  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
  ) {}

  async list(filter: ParkedFilter = {}): Promise<ParkedRow[]> {
    const { sql, params } = where(filter);
    const result = await this.pool.query(
      `SELECT o.id, o.topic, o.message_key, o.event_id, o.event_type, o.attempts, o.retry_at, o.last_error, o.created_at,
              octet_length(o.payload::text) AS payload_bytes,
              (SELECT count(*)::int FROM "${this.schema}".outbox b
                WHERE b.published_at IS NULL AND b.lane = o.lane AND b.message_key = o.message_key AND b.id > o.id) AS held_back
       FROM "${this.schema}".outbox o WHERE ${sql} ORDER BY o.id LIMIT $${params.push(filter.limit ?? 100)}`,
      params,
    );
    return result.rows.map((r) => ({
      id: String(r.id),
      topic: r.topic,
      messageKey: r.message_key,
      eventId: r.event_id,
      eventType: r.event_type,
      attempts: r.attempts,
      retryAt: r.retry_at,
      lastError: r.last_error,
      createdAt: r.created_at,
      payloadBytes: Number(r.payload_bytes),
      heldBack: r.held_back,
    }));
  }

  /** One parked row with its stored payload (the form `fix` takes back). */
  async show(id: string): Promise<ParkedRow & { payload: unknown; headers: Record<string, string> }> {
    const [row] = await this.list({ id, limit: 1 });
    if (!row) throw new ParkedRowError(`outbox row ${id} is not parked (no such row, or already published)`);
    const result = await this.pool.query(`SELECT payload, headers FROM "${this.schema}".outbox WHERE id = $1::bigint`, [id]);
    return { ...row, payload: result.rows[0]?.payload, headers: result.rows[0]?.headers ?? {} };
  }

  /**
   * Encodes each selected row with the current registered schema; the ones that encode are made
   * due now (the relay retries them at once). Rows that still fail stay parked, reported with their
   * error, unless `force` (a row the broker refused encodes fine; it is released either way).
   */
  async release(serde: EventSerde, filter: ParkedFilter, force = false): Promise<{ released: string[]; stillFailing: Array<{ id: string; error: string }> }> {
    const released: string[] = [];
    const stillFailing: Array<{ id: string; error: string }> = [];
    for (const row of await this.list(filter)) {
      const { payload } = await this.show(row.id);
      const problem = await encodeProblem(serde, row, payload);
      if (problem && !force) {
        stillFailing.push({ id: row.id, error: problem });
        continue;
      }
      const result = await this.pool.query(`UPDATE "${this.schema}".outbox o SET retry_at = now() WHERE o.id = $1::bigint AND ${PARKED}`, [row.id]);
      if (result.rowCount) released.push(row.id);
    }
    return { released, stillFailing };
  }

  /**
   * Replaces a parked row's payload (stored JSON, as `show` prints it) once it encodes with the
   * current schema, and makes it due now. The event keeps its identity: same event id and type.
   */
  async fix(serde: EventSerde, id: string, payload: unknown): Promise<{ fixed: string }> {
    const row = await this.show(id);
    const envelope = (payload as { envelope?: { eventId?: unknown; eventType?: unknown } } | null)?.envelope;
    if (envelope?.eventId !== row.eventId) throw new ParkedRowError(`payload envelope.eventId must stay ${row.eventId} (got ${String(envelope?.eventId)})`);
    if (envelope?.eventType !== row.eventType) throw new ParkedRowError(`payload envelope.eventType must stay ${row.eventType} (got ${String(envelope?.eventType)})`);
    const problem = await encodeProblem(serde, row, payload);
    if (problem) throw new ParkedRowError(`the new payload does not encode with the current schema: ${problem}`);
    const result = await this.pool.query(
      `UPDATE "${this.schema}".outbox o SET payload = $2::jsonb, retry_at = now(), last_error = $3 WHERE o.id = $1::bigint AND ${PARKED}`,
      [id, toStoredJson(fromStoredJson(payload)), `payload replaced by outbox-parked fix; before: ${row.lastError ?? ''}`.slice(0, 2_000)],
    );
    if (!result.rowCount) throw new ParkedRowError(`outbox row ${id} was published or released meanwhile; nothing changed`);
    return { fixed: id };
  }

  /** Moves a parked row to `outbox_dropped` with the reason: it will never be published. */
  async drop(id: string, reason: string, by: string): Promise<{ dropped: string }> {
    if (!reason.trim()) throw new ParkedRowError('a reason is required to drop an event');
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const moved = await client.query(
        `WITH gone AS (DELETE FROM "${this.schema}".outbox o WHERE o.id = $1::bigint AND ${PARKED} RETURNING o.*)
         INSERT INTO "${this.schema}".outbox_dropped (id, topic, message_key, event_id, event_type, payload, headers, created_at, attempts, last_error, reason, dropped_by)
         SELECT id, topic, message_key, event_id, event_type, payload, headers, created_at, attempts, last_error, $2, $3 FROM gone`,
        [id, reason, by],
      );
      if (!moved.rowCount) throw new ParkedRowError(`outbox row ${id} is not parked (no such row, or already published)`);
      await client.query('COMMIT');
      return { dropped: id };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async dropped(limit = 100): Promise<Array<{ id: string; topic: string; messageKey: string; eventId: string; reason: string; droppedBy: string; droppedAt: Date }>> {
    const result = await this.pool.query(
      `SELECT id, topic, message_key, event_id, reason, dropped_by, dropped_at FROM "${this.schema}".outbox_dropped ORDER BY dropped_at DESC LIMIT $1`,
      [limit],
    );
    return result.rows.map((r) => ({ id: String(r.id), topic: r.topic, messageKey: r.message_key, eventId: r.event_id, reason: r.reason, droppedBy: r.dropped_by, droppedAt: r.dropped_at }));
  }
}

async function encodeProblem(serde: EventSerde, row: ParkedRow, payload: unknown): Promise<string | null> {
  try {
    await serde.encode(row.topic, row.eventType, fromStoredJson(payload));
    return null;
  } catch (error) {
    return `${errorClass(error)}: ${errorMessage(error)}`;
  }
}
