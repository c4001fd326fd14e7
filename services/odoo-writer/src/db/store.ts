import { assertSchemaName, fromStoredJson, toStoredJson } from '@retail-backbone/messaging';
import type { Pool, PoolClient } from 'pg';

type Db = Pool | PoolClient;

export type OrderStatus = 'pending' | 'synced' | 'parked' | 'cancelled';

export interface OrderRow {
  order_id: string;
  status: OrderStatus;
  odoo_order_id: number | null;
  odoo_order_name: string | null;
  odoo_partner_id: number | null;
  odoo_state: string | null;
  attempts: number;
}

export interface ParkedRow {
  id: string;
  order_id: string;
  event_id: string;
  event_type: string;
  payload: Record<string, unknown>;
  reason: string;
  failure_emitted: boolean;
  attempts: number;
}

export interface SyncedOrder {
  odooOrderId: number;
  odooOrderName: string | null;
  odooPartnerId: number | null;
  odooState: string | null;
}

/** The writer's tables; every statement is qualified with the service schema. */
export class WriterStore {
  readonly schema: string;

  constructor(schema: string) {
    this.schema = assertSchemaName(schema);
  }

  private t(table: string): string {
    return `"${this.schema}".${table}`;
  }

  /** Serialises everything done to one order across handlers, the parked retrier and instances. */
  async lockOrder(tx: PoolClient, orderId: string): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`odoo-writer:${this.schema}:${orderId}`]);
  }

  async order(db: Db, orderId: string): Promise<OrderRow | undefined> {
    const { rows } = await db.query<OrderRow>(`SELECT * FROM ${this.t('orders')} WHERE order_id = $1`, [orderId]);
    return rows[0];
  }

  /**
   * Commits the intent to write these orders before Odoo is called (own statement, autocommit),
   * returning the attempt number of each.
   */
  async markPending(pool: Pool, orderIds: string[]): Promise<Map<string, number>> {
    if (orderIds.length === 0) return new Map();
    const { rows } = await pool.query<{ order_id: string; attempts: number }>(
      `INSERT INTO ${this.t('orders')} (order_id, status, attempts)
       SELECT id, 'pending', 1 FROM unnest($1::text[]) AS id
       ON CONFLICT (order_id) DO UPDATE SET attempts = ${this.t('orders')}.attempts + 1, updated_at = now()
       RETURNING order_id, attempts`,
      [orderIds],
    );
    return new Map(rows.map((r) => [r.order_id, r.attempts]));
  }

  async markSynced(tx: PoolClient, orderId: string, synced: SyncedOrder): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.t('orders')} (order_id, status, odoo_order_id, odoo_order_name, odoo_partner_id, odoo_state, attempts)
       VALUES ($1, 'synced', $2, $3, $4, $5, 1)
       ON CONFLICT (order_id) DO UPDATE SET status = 'synced', odoo_order_id = $2, odoo_order_name = $3,
         odoo_partner_id = $4, odoo_state = $5, updated_at = now()`,
      [orderId, synced.odooOrderId, synced.odooOrderName, synced.odooPartnerId, synced.odooState],
    );
  }

  async setStatus(tx: PoolClient, orderId: string, status: OrderStatus, odooState?: string): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.t('orders')} (order_id, status, odoo_state) VALUES ($1, $2, $3)
       ON CONFLICT (order_id) DO UPDATE SET status = $2, odoo_state = COALESCE($3, ${this.t('orders')}.odoo_state), updated_at = now()`,
      [orderId, status, odooState ?? null],
    );
  }

  async hasOperation(db: Db, orderId: string, operation: string, reference: string): Promise<boolean> {
    const { rowCount } = await db.query(`SELECT 1 FROM ${this.t('operations')} WHERE order_id = $1 AND operation = $2 AND reference = $3`, [
      orderId,
      operation,
      reference,
    ]);
    return (rowCount ?? 0) > 0;
  }

  async recordOperation(tx: PoolClient, orderId: string, operation: string, reference: string, odooResId: number | null): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.t('operations')} (order_id, operation, reference, odoo_res_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [orderId, operation, reference, odooResId],
    );
  }

  async partners(db: Db, refs: string[]): Promise<Map<string, { id: number; fingerprint: string | null }>> {
    if (refs.length === 0) return new Map();
    const { rows } = await db.query<{ ref: string; odoo_partner_id: number; fingerprint: string | null }>(
      `SELECT ref, odoo_partner_id, fingerprint FROM ${this.t('partners')} WHERE ref = ANY($1::text[])`,
      [refs],
    );
    return new Map(rows.map((r) => [r.ref, { id: r.odoo_partner_id, fingerprint: r.fingerprint }]));
  }

  async savePartners(db: Db, partners: Array<{ ref: string; id: number; fingerprint: string | null }>): Promise<void> {
    if (partners.length === 0) return;
    await db.query(
      `INSERT INTO ${this.t('partners')} (ref, odoo_partner_id, fingerprint)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[])
       ON CONFLICT (ref) DO UPDATE SET odoo_partner_id = EXCLUDED.odoo_partner_id, fingerprint = EXCLUDED.fingerprint, updated_at = now()`,
      [partners.map((p) => p.ref), partners.map((p) => p.id), partners.map((p) => p.fingerprint)],
    );
  }

  /** Parked events of an order that come before `beforeId` (all of them when absent). */
  async hasParkedBefore(tx: PoolClient, orderId: string, beforeId?: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      `SELECT 1 FROM ${this.t('parked')} WHERE order_id = $1 AND status = 'parked' AND ($2::bigint IS NULL OR id < $2::bigint) LIMIT 1`,
      [orderId, beforeId ?? null],
    );
    return (rowCount ?? 0) > 0;
  }

  async park(
    tx: PoolClient,
    entry: { orderId: string; eventId: string; eventType: string; payload: unknown; reason: string; message: string; failureEmitted: boolean },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.t('parked')} (order_id, event_id, event_type, payload, reason, error_message, failure_emitted)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)
       ON CONFLICT (event_id) DO NOTHING`,
      [entry.orderId, entry.eventId, entry.eventType, toStoredJson(entry.payload), entry.reason, entry.message, entry.failureEmitted],
    );
  }

  /** The earliest parked event of each order whose next attempt is due. */
  async dueParked(db: Db, limit: number, options: { orderId?: string; ignoreSchedule?: boolean } = {}): Promise<ParkedRow[]> {
    const { rows } = await db.query<ParkedRow & { payload: unknown }>(
      `SELECT * FROM (
         SELECT DISTINCT ON (order_id) id::text, order_id, event_id, event_type, payload, reason, failure_emitted, attempts, next_attempt_at
         FROM ${this.t('parked')} WHERE status = 'parked' AND ($2::text IS NULL OR order_id = $2)
         ORDER BY order_id, id
       ) earliest WHERE $3 OR next_attempt_at <= now() ORDER BY id LIMIT $1`,
      [limit, options.orderId ?? null, options.ignoreSchedule ?? false],
    );
    return rows.map((r) => ({ ...r, payload: fromStoredJson(r.payload) as Record<string, unknown> }));
  }

  /** Locks a parked row for a retry; undefined when another retrier took it or it was resolved. */
  async claimParked(tx: PoolClient, id: string): Promise<ParkedRow | undefined> {
    const { rows } = await tx.query<ParkedRow & { payload: unknown }>(
      `SELECT id::text, order_id, event_id, event_type, payload, reason, failure_emitted, attempts
       FROM ${this.t('parked')} WHERE id = $1 AND status = 'parked' FOR UPDATE SKIP LOCKED`,
      [id],
    );
    const row = rows[0];
    return row && { ...row, payload: fromStoredJson(row.payload) as Record<string, unknown> };
  }

  async resolveParked(tx: PoolClient, id: string, status: 'resolved' | 'superseded'): Promise<void> {
    await tx.query(`UPDATE ${this.t('parked')} SET status = $2, resolved_at = now(), updated_at = now() WHERE id = $1`, [id, status]);
  }

  /** Supersedes every open parked event of an order of one type (e.g. a placement after a cancel). */
  async supersedeParked(tx: PoolClient, orderId: string, eventType: string): Promise<number> {
    const { rowCount } = await tx.query(
      `UPDATE ${this.t('parked')} SET status = 'superseded', resolved_at = now(), updated_at = now()
       WHERE order_id = $1 AND event_type = $2 AND status = 'parked'`,
      [orderId, eventType],
    );
    return rowCount ?? 0;
  }

  async retryLater(tx: PoolClient, id: string, update: { reason: string; message: string; delayMs: number; failureEmitted: boolean }): Promise<void> {
    await tx.query(
      `UPDATE ${this.t('parked')} SET attempts = attempts + 1, reason = $2, error_message = $3, failure_emitted = $5,
         next_attempt_at = now() + ($4::int * interval '1 millisecond'), updated_at = now() WHERE id = $1`,
      [id, update.reason, update.message, Math.round(update.delayMs), update.failureEmitted],
    );
  }

  async parkedCount(db: Db): Promise<number> {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.t('parked')} WHERE status = 'parked'`);
    return rows[0]!.n;
  }
}
