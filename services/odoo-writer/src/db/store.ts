import { ServiceTables } from '@retail-backbone/messaging';
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
  channel: string | null;
}

export interface SyncedOrder {
  odooOrderId: number;
  odooOrderName: string | null;
  odooPartnerId: number | null;
  odooState: string | null;
  attempts?: number;
  /** The order's channel kind (its invoicing policy). */
  channel?: string;
}

export interface StockVerdictRow {
  verdict: 'reserved' | 'rejected' | null;
  shortages: Array<{ sku: string; requested: number; available: number }> | null;
  held_order: Record<string, unknown> | null;
  held_cause: { eventId: string; correlationId: string } | null;
}

/** The writer's tables; every statement is qualified with the service schema. */
export class WriterStore extends ServiceTables {
  constructor(schema: string) {
    super(schema, 'odoo-writer');
  }

  /** Serialises everything done to one order across handlers, the parked retrier and instances. */
  async lockOrder(tx: PoolClient, orderId: string): Promise<void> {
    await this.lock(tx, orderId);
  }

  async order(db: Db, orderId: string): Promise<OrderRow | undefined> {
    const { rows } = await db.query<OrderRow>(`SELECT * FROM ${this.t('orders')} WHERE order_id = $1`, [orderId]);
    return rows[0];
  }

  /** The order row of a placement just recorded as an effect (left as it is when it exists). */
  async markIntended(tx: PoolClient, orderId: string): Promise<void> {
    await tx.query(`INSERT INTO ${this.t('orders')} (order_id, status, attempts) VALUES ($1, 'pending', 0) ON CONFLICT (order_id) DO NOTHING`, [orderId]);
  }

  async markSynced(tx: PoolClient, orderId: string, synced: SyncedOrder): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.t('orders')} (order_id, status, odoo_order_id, odoo_order_name, odoo_partner_id, odoo_state, attempts, channel)
       VALUES ($1, 'synced', $2, $3, $4, $5, $6, $7)
       ON CONFLICT (order_id) DO UPDATE SET status = 'synced', odoo_order_id = $2, odoo_order_name = $3,
         odoo_partner_id = $4, odoo_state = $5, attempts = $6, channel = COALESCE($7, ${this.t('orders')}.channel), updated_at = now()`,
      [orderId, synced.odooOrderId, synced.odooOrderName, synced.odooPartnerId, synced.odooState, synced.attempts ?? 1, synced.channel ?? null],
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

  /** Odoo record ids the order's applied operations of one kind point at (e.g. validated pickings). */
  async operationResIds(db: Db, orderId: string, operation: string): Promise<Set<number>> {
    const { rows } = await db.query<{ odoo_res_id: number }>(
      `SELECT odoo_res_id FROM ${this.t('operations')} WHERE order_id = $1 AND operation = $2 AND odoo_res_id IS NOT NULL`,
      [orderId, operation],
    );
    return new Set(rows.map((r) => r.odoo_res_id));
  }

  async recordOperation(tx: PoolClient, orderId: string, operation: string, reference: string, odooResId: number | null): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.t('operations')} (order_id, operation, reference, odoo_res_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [orderId, operation, reference, odooResId],
    );
  }

  /** The verdict kept for an order and the OrderPlaced held for it, under the order's lock. */
  async stockVerdict(tx: PoolClient, orderId: string): Promise<StockVerdictRow | undefined> {
    const { rows } = await tx.query<StockVerdictRow>(`SELECT verdict, shortages, held_order, held_cause FROM ${this.t('stock_verdicts')} WHERE order_id = $1`, [orderId]);
    return rows[0];
  }

  async saveVerdict(tx: PoolClient, orderId: string, verdict: 'reserved' | 'rejected', shortages: unknown): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.t('stock_verdicts')} (order_id, verdict, shortages) VALUES ($1, $2, $3)
       ON CONFLICT (order_id) DO UPDATE SET verdict = COALESCE(${this.t('stock_verdicts')}.verdict, $2), shortages = COALESCE(${this.t('stock_verdicts')}.shortages, $3), updated_at = now()`,
      [orderId, verdict, shortages === null ? null : JSON.stringify(shortages)],
    );
  }

  /** Holds (order, cause) until the verdict arrives; null releases the hold. */
  async holdOrder(tx: PoolClient, orderId: string, held: { order: unknown; cause: unknown } | null): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.t('stock_verdicts')} (order_id, held_order, held_cause) VALUES ($1, $2, $3)
       ON CONFLICT (order_id) DO UPDATE SET held_order = $2, held_cause = $3, updated_at = now()`,
      [orderId, held ? JSON.stringify(held.order) : null, held ? JSON.stringify(held.cause) : null],
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
}
