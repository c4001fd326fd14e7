import { injectTraceContext, currentCorrelationId } from '@retail-backbone/observability';
import type { Pool, PoolClient } from 'pg';
import { assertSchemaName } from '../schema-name';
import { fromStoredJson, toStoredJson } from '../stored-json';

type Db = Pool | PoolClient;

export type EffectState = 'pending' | 'unknown' | 'failed' | 'done' | 'cancelled';
export const OPEN_STATES: readonly EffectState[] = ['pending', 'unknown', 'failed'];

/** What a consumer records, in its own transaction, instead of calling the outside system. */
export interface IntendedEffect {
  /** Which EffectDefinition performs it (e.g. 'odoo.sale_order.place'). */
  kind: string;
  /**
   * Deterministic idempotency key: the same business intent always yields the same key, so a
   * redelivered or replayed event records nothing new. Also sent to the other side where it
   * accepts one, and used to look the effect up there.
   */
  key: string;
  /** Effects of one aggregate run one at a time, in the order they were recorded. */
  aggregate: string;
  payload: Record<string, unknown>;
  /**
   * Key of an effect that must be done first (a shipment waits for its order's placement). A
   * waiting effect does not hold up the rest of its aggregate, and it may be recorded before the
   * effect it waits for exists.
   */
  waitsFor?: string;
}

/** The event that caused an effect: its outcome events are correlated with and caused by it. */
export interface EffectCause {
  eventId?: string;
  correlationId?: string;
  trace?: Record<string, string>;
}

export interface EffectRow {
  id: string;
  key: string;
  kind: string;
  aggregate: string;
  waitsFor: string | null;
  payload: Record<string, unknown>;
  cause: EffectCause;
  state: EffectState;
  attempts: number;
  failures: number;
  nextAttemptAt: Date;
  leaseOwner: string | null;
  leasedUntil: Date | null;
  lastError: string | null;
  result: unknown;
  createdAt: Date;
}

interface RawRow {
  id: string;
  effect_key: string;
  kind: string;
  aggregate_key: string;
  waits_for: string | null;
  payload: unknown;
  cause: EffectCause;
  state: EffectState;
  attempts: number;
  failures: number;
  next_attempt_at: Date;
  lease_owner: string | null;
  leased_until: Date | null;
  last_error: string | null;
  result: unknown;
  created_at: Date;
}

const NAMES = ['effect_key', 'kind', 'aggregate_key', 'waits_for', 'payload', 'cause', 'state', 'attempts', 'failures', 'next_attempt_at', 'lease_owner', 'leased_until', 'last_error', 'result', 'created_at'];
/** The selected columns, optionally qualified by a table alias. */
const columns = (alias = '') => [`${alias}id::text AS id`, ...NAMES.map((n) => `${alias}${n}`)].join(', ');
const COLUMNS = columns();

function toRow(r: RawRow): EffectRow {
  return {
    id: r.id,
    key: r.effect_key,
    kind: r.kind,
    aggregate: r.aggregate_key,
    waitsFor: r.waits_for,
    payload: fromStoredJson(r.payload) as Record<string, unknown>,
    cause: r.cause ?? {},
    state: r.state,
    attempts: r.attempts,
    failures: r.failures,
    nextAttemptAt: r.next_attempt_at,
    leaseOwner: r.lease_owner,
    leasedUntil: r.leased_until,
    lastError: r.last_error,
    result: r.result === null ? null : fromStoredJson(r.result),
    createdAt: r.created_at,
  };
}

/** Bounded, single-line error text for the table and the CLI (no payloads in there). */
export function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split('\n')[0]!.slice(0, 500);
}

/**
 * Claimable now: open, due, not leased, its dependency done, and no earlier open effect of its
 * aggregate that could run (a waiting one does not count, so a follow-up recorded before its
 * order never holds the order up).
 */
const runnable = (t: string, e: string) => `
  ${e}.state IN ('pending', 'unknown', 'failed')
  AND (${e}.waits_for IS NULL OR EXISTS (SELECT 1 FROM ${t} d WHERE d.effect_key = ${e}.waits_for AND d.state = 'done'))
  AND NOT EXISTS (
    SELECT 1 FROM ${t} p
    WHERE p.aggregate_key = ${e}.aggregate_key AND p.id < ${e}.id AND p.state IN ('pending', 'unknown', 'failed')
      AND (p.waits_for IS NULL OR EXISTS (SELECT 1 FROM ${t} pd WHERE pd.effect_key = p.waits_for AND pd.state = 'done')))`;

/** SQL for the outside_effects table of one service schema. */
export class EffectStore {
  readonly schema: string;
  private readonly table: string;

  constructor(schema: string) {
    this.schema = assertSchemaName(schema);
    this.table = `"${this.schema}".outside_effects`;
  }

  /**
   * Records intended effects in the caller's transaction, with the active trace context and
   * correlation id as their cause unless one is given. A key already recorded is left as it is.
   * Returns the keys that were new.
   */
  async record(tx: PoolClient, effects: IntendedEffect[], cause: EffectCause = {}): Promise<Set<string>> {
    if (effects.length === 0) return new Set();
    const fullCause: EffectCause = { trace: injectTraceContext() as Record<string, string>, correlationId: currentCorrelationId(), ...cause };
    const { rows } = await tx.query<{ effect_key: string }>(
      `INSERT INTO ${this.table} (effect_key, kind, aggregate_key, waits_for, payload, cause)
       SELECT k, kd, a, w, p, $6::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[]) WITH ORDINALITY AS r(k, kd, a, w, p, n)
       ORDER BY n
       ON CONFLICT (effect_key) DO NOTHING
       RETURNING effect_key`,
      [
        effects.map((e) => e.key),
        effects.map((e) => e.kind),
        effects.map((e) => e.aggregate),
        effects.map((e) => e.waitsFor ?? null),
        effects.map((e) => toStoredJson(e.payload)),
        JSON.stringify(fullCause),
      ],
    );
    return new Set(rows.map((r) => r.effect_key));
  }

  async get(db: Db, key: string): Promise<EffectRow | undefined> {
    const { rows } = await db.query<RawRow>(`SELECT ${COLUMNS} FROM ${this.table} WHERE effect_key = $1`, [key]);
    return rows[0] && toRow(rows[0]);
  }

  /**
   * Leases up to `limit` runnable effects of these kinds for `owner`: counts the attempt and moves
   * next_attempt_at past the ambiguity window, so that if this worker vanishes mid-call nobody
   * repeats the call before the other side has finished or abandoned it.
   */
  async claim(pool: Pool, options: { owner: string; kinds: string[]; limit: number; leaseMs: number; ambiguityWindowMs: (kind: string) => number }): Promise<EffectRow[]> {
    if (options.kinds.length === 0) return [];
    const windows = options.kinds.map((k) => Math.round(options.ambiguityWindowMs(k)));
    const { rows } = await pool.query<RawRow>(
      `WITH candidates AS (
         SELECT e.id FROM ${this.table} e
         WHERE e.kind = ANY($2::text[]) AND e.next_attempt_at <= clock_timestamp()
           AND (e.leased_until IS NULL OR e.leased_until < clock_timestamp())
           AND ${runnable(this.table, 'e')}
         ORDER BY e.id LIMIT $3 FOR UPDATE SKIP LOCKED
       ), windows AS (SELECT * FROM unnest($2::text[], $5::int[]) AS w(kind, ms))
       UPDATE ${this.table} t SET lease_owner = $1, leased_until = clock_timestamp() + ($4::int * interval '1 millisecond'),
         attempts = t.attempts + 1, last_attempt_at = clock_timestamp(), updated_at = clock_timestamp(),
         next_attempt_at = clock_timestamp() + (w.ms * interval '1 millisecond')
       FROM candidates c, windows w WHERE t.id = c.id AND w.kind = t.kind
       RETURNING ${columns('t.')}`,
      [options.owner, options.kinds, options.limit, Math.round(options.leaseMs), windows],
    );
    return rows.map(toRow).sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** Keeps the lease of effects still being performed (and their ambiguity fence). */
  async renew(pool: Pool, owner: string, ids: string[], leaseMs: number, ambiguityWindowMs: number): Promise<void> {
    await pool.query(
      `UPDATE ${this.table} SET leased_until = clock_timestamp() + ($3::int * interval '1 millisecond'),
         next_attempt_at = GREATEST(next_attempt_at, clock_timestamp() + ($4::int * interval '1 millisecond'))
       WHERE id = ANY($2::bigint[]) AND lease_owner = $1`,
      [owner, ids, Math.round(leaseMs), Math.round(ambiguityWindowMs)],
    );
  }

  /**
   * Locks the rows still leased to `owner` at `attempts` (fencing: a worker whose lease was taken
   * over records nothing) in the completion transaction.
   */
  async lockOwned(tx: PoolClient, owner: string, effects: Array<{ id: string; attempts: number }>): Promise<Set<string>> {
    if (effects.length === 0) return new Set();
    const { rows } = await tx.query<{ id: string }>(
      `SELECT t.id::text FROM ${this.table} t JOIN unnest($2::bigint[], $3::int[]) AS f(id, attempts) ON t.id = f.id AND t.attempts = f.attempts
       WHERE t.lease_owner = $1 ORDER BY t.id FOR UPDATE OF t`,
      [owner, effects.map((e) => e.id), effects.map((e) => e.attempts)],
    );
    return new Set(rows.map((r) => r.id));
  }

  async markDone(tx: PoolClient, id: string, result: unknown): Promise<void> {
    await tx.query(
      `UPDATE ${this.table} SET state = 'done', result = $2::jsonb, lease_owner = NULL, leased_until = NULL, last_error = NULL,
         completed_at = clock_timestamp(), updated_at = clock_timestamp() WHERE id = $1`,
      [id, toStoredJson(result ?? null)],
    );
  }

  async markFailed(tx: PoolClient, id: string, error: string, retryInMs: number): Promise<void> {
    await tx.query(
      `UPDATE ${this.table} SET state = 'failed', failures = failures + 1, last_error = $2, lease_owner = NULL, leased_until = NULL,
         next_attempt_at = clock_timestamp() + ($3::int * interval '1 millisecond'), updated_at = clock_timestamp() WHERE id = $1`,
      [id, error, Math.round(retryInMs)],
    );
  }

  /**
   * After an attempt that did not complete: 'pending' when the call is known not to have been
   * applied (retry after `retryInMs`), 'unknown' when it may have been (retry, looking first,
   * after the ambiguity window). Only the lease holder's attempt is updated.
   */
  async release(db: Db, owner: string, effects: Array<{ id: string; attempts: number }>, outcome: { state: 'pending' | 'unknown'; error: string; retryInMs: number }): Promise<void> {
    if (effects.length === 0) return;
    await db.query(
      `UPDATE ${this.table} t SET state = CASE WHEN t.state = 'unknown' THEN 'unknown' ELSE $4 END, last_error = $5,
         lease_owner = NULL, leased_until = NULL, updated_at = clock_timestamp(),
         next_attempt_at = clock_timestamp() + ($6::int * interval '1 millisecond')
       FROM unnest($2::bigint[], $3::int[]) AS f(id, attempts)
       WHERE t.id = f.id AND t.attempts = f.attempts AND t.lease_owner = $1`,
      [owner, effects.map((e) => e.id), effects.map((e) => e.attempts), outcome.state, outcome.error, Math.round(outcome.retryInMs)],
    );
  }

  /** Gives a claim back without counting it as an attempt (the worker never made the call). */
  async unclaim(db: Db, owner: string, effects: Array<{ id: string; attempts: number }>, retryInMs: number): Promise<void> {
    if (effects.length === 0) return;
    await db.query(
      `UPDATE ${this.table} t SET attempts = t.attempts - 1, lease_owner = NULL, leased_until = NULL, updated_at = clock_timestamp(),
         next_attempt_at = clock_timestamp() + ($4::int * interval '1 millisecond')
       FROM unnest($2::bigint[], $3::int[]) AS f(id, attempts)
       WHERE t.id = f.id AND t.attempts = f.attempts AND t.lease_owner = $1`,
      [owner, effects.map((e) => e.id), effects.map((e) => e.attempts), Math.round(retryInMs)],
    );
  }

  /** Closes an open effect without performing it (e.g. an order cancelled before it was placed). */
  async cancel(tx: PoolClient, key: string, reason: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      `UPDATE ${this.table} SET state = 'cancelled', last_error = $2, lease_owner = NULL, leased_until = NULL,
         completed_at = clock_timestamp(), updated_at = clock_timestamp()
       WHERE effect_key = $1 AND state IN ('pending', 'unknown', 'failed') AND (leased_until IS NULL OR leased_until < clock_timestamp())`,
      [key, reason],
    );
    return (rowCount ?? 0) > 0;
  }

  async list(db: Db, filter: { aggregate?: string; key?: string; states?: EffectState[]; limit?: number } = {}): Promise<EffectRow[]> {
    const { rows } = await db.query<RawRow>(
      `SELECT ${COLUMNS} FROM ${this.table}
       WHERE ($1::text IS NULL OR aggregate_key = $1) AND ($2::text IS NULL OR effect_key = $2) AND ($3::text[] IS NULL OR state = ANY($3::text[]))
       ORDER BY id LIMIT $4`,
      [filter.aggregate ?? null, filter.key ?? null, filter.states ?? null, filter.limit ?? 1000],
    );
    return rows.map(toRow);
  }

  /**
   * Makes matching effects due now. `unknown` ones are included only with `force` (they wait for
   * the other side's time limit on purpose); leased ones only through `releaseLeases`.
   */
  async retryNow(db: Db, filter: { aggregate?: string; key?: string; force?: boolean; releaseLeases?: boolean }): Promise<number> {
    if (!filter.aggregate && !filter.key) throw new Error('retryNow needs an aggregate or a key');
    const { rowCount } = await db.query(
      `UPDATE ${this.table} SET next_attempt_at = clock_timestamp(), updated_at = clock_timestamp(),
         lease_owner = CASE WHEN $4 THEN NULL ELSE lease_owner END, leased_until = CASE WHEN $4 THEN NULL ELSE leased_until END
       WHERE ($1::text IS NULL OR aggregate_key = $1) AND ($2::text IS NULL OR effect_key = $2)
         AND state IN ('pending', 'failed', 'unknown') AND ($3 OR state <> 'unknown')
         AND ($4 OR leased_until IS NULL OR leased_until < clock_timestamp())`,
      [filter.aggregate ?? null, filter.key ?? null, filter.force ?? false, filter.releaseLeases ?? false],
    );
    return rowCount ?? 0;
  }

  /** Open effects by state ('running': leased now; 'waiting': its dependency not done) and the oldest one's age. */
  async openSummary(db: Db): Promise<{ counts: Record<string, number>; oldestAgeSeconds: number }> {
    const t = this.table;
    const { rows } = await db.query<{ state: string; n: number; oldest: number | null }>(
      `SELECT s.state, count(*)::int AS n, max(extract(epoch FROM clock_timestamp() - e.created_at))::float8 AS oldest
       FROM ${t} e CROSS JOIN LATERAL (SELECT CASE
         WHEN e.leased_until > clock_timestamp() THEN 'running'
         WHEN e.waits_for IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${t} d WHERE d.effect_key = e.waits_for AND d.state = 'done') THEN 'waiting'
         ELSE e.state END AS state) s
       WHERE e.state IN ('pending', 'unknown', 'failed') GROUP BY s.state`,
    );
    const counts: Record<string, number> = { pending: 0, running: 0, waiting: 0, unknown: 0, failed: 0 };
    let oldest = 0;
    for (const r of rows) {
      counts[r.state] = r.n;
      oldest = Math.max(oldest, r.oldest ?? 0);
    }
    return { counts, oldestAgeSeconds: oldest };
  }
}
