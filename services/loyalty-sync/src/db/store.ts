import { ServiceTables } from '@retail-backbone/messaging';
import type { PoolClient } from 'pg';
import type { EarnMoment, LineBasis } from '../sync/rules';

export interface OrderRow {
  orderId: string;
  channel: string;
  customerKey: string | null;
  memberRef: string | null;
  emailHash: string | null;
  currency: string;
  basis: string;
  grandTotal: string;
  lines: LineBasis[];
  placedAt: Date;
  earnMoment: EarnMoment;
  captured: boolean;
  shipped: boolean;
  cancelled: boolean;
  earnedPoints: number | null;
  reversedPoints: number;
  reversedShare: string;
  refundedAmount: string;
  multiplier: string | null;
}

export interface RedemptionRow {
  paymentId: string;
  orderId: string;
  points: number;
  value: string;
  currency: string;
  state: 'recorded' | 'redeemed' | 'refused' | 'restore-recorded' | 'restored';
  cancelRequested: boolean;
  transactionId: string | null;
}

const ORDER_COLUMNS = `order_id AS "orderId", channel, customer_key AS "customerKey", member_ref AS "memberRef", email_hash AS "emailHash",
  currency, basis::text AS basis, grand_total::text AS "grandTotal", lines, placed_at AS "placedAt", earn_moment AS "earnMoment",
  captured, shipped, cancelled, earned_points::int AS "earnedPoints", reversed_points::int AS "reversedPoints",
  reversed_share::text AS "reversedShare", refunded_amount::text AS "refundedAmount", multiplier::text AS multiplier`;

const REDEMPTION_COLUMNS = `payment_id AS "paymentId", order_id AS "orderId", points::int AS points, value::text AS value, currency, state,
  cancel_requested AS "cancelRequested", transaction_id AS "transactionId"`;

/** loyalty-sync's tables; every statement is qualified with the service schema. */
export class LoyaltyStore extends ServiceTables {
  constructor(schema: string) {
    super(schema, 'loyalty-sync');
  }

  /** Serialises the decisions about one order (its events arrive on three topics). */
  async lockOrder(tx: PoolClient, orderId: string): Promise<void> {
    await this.lock(tx, orderId);
  }

  async order(tx: PoolClient, orderId: string): Promise<OrderRow | undefined> {
    const { rows } = await tx.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM ${this.t('loyalty_orders')} WHERE order_id = $1`, [orderId]);
    return rows[0];
  }

  async insertOrder(tx: PoolClient, o: Omit<OrderRow, 'earnedPoints' | 'reversedPoints' | 'reversedShare' | 'refundedAmount' | 'cancelled' | 'shipped'>): Promise<boolean> {
    const { rowCount } = await tx.query(
      `INSERT INTO ${this.t('loyalty_orders')} (order_id, channel, customer_key, member_ref, email_hash, currency, basis, grand_total, lines, placed_at, earn_moment, captured, multiplier)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (order_id) DO NOTHING`,
      [o.orderId, o.channel, o.customerKey, o.memberRef, o.emailHash, o.currency, o.basis, o.grandTotal, JSON.stringify(o.lines), o.placedAt, o.earnMoment, o.captured, o.multiplier],
    );
    return rowCount === 1;
  }

  async updateOrder(tx: PoolClient, orderId: string, fields: Partial<Pick<OrderRow, 'customerKey' | 'memberRef' | 'captured' | 'shipped' | 'cancelled' | 'earnedPoints' | 'reversedPoints' | 'reversedShare' | 'refundedAmount'>>): Promise<void> {
    const names: Record<string, string> = {
      customerKey: 'customer_key',
      memberRef: 'member_ref',
      captured: 'captured',
      shipped: 'shipped',
      cancelled: 'cancelled',
      earnedPoints: 'earned_points',
      reversedPoints: 'reversed_points',
      reversedShare: 'reversed_share',
      refundedAmount: 'refunded_amount',
    };
    const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return;
    const sets = entries.map(([k], i) => `${names[k]} = $${i + 2}`).join(', ');
    await tx.query(`UPDATE ${this.t('loyalty_orders')} SET ${sets} WHERE order_id = $1`, [orderId, ...entries.map(([, v]) => v)]);
  }

  /** A guest's orders with this email placed since `since`, oldest first, locked. */
  async guestOrders(tx: PoolClient, emailHash: string, since: Date): Promise<OrderRow[]> {
    const { rows } = await tx.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM ${this.t('loyalty_orders')}
       WHERE member_ref IS NULL AND email_hash = $1 AND placed_at >= $2 AND NOT cancelled ORDER BY placed_at, order_id FOR UPDATE`,
      [emailHash, since],
    );
    return rows;
  }

  /** Records a reversal source of an order once; false when it was already taken into account. */
  async addReversalSource(tx: PoolClient, sourceId: string, orderId: string, share: string): Promise<boolean> {
    const { rowCount } = await tx.query(`INSERT INTO ${this.t('loyalty_reversal_sources')} (order_id, source_id, share) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [orderId, sourceId, share]);
    return rowCount === 1;
  }

  async insertRedemption(tx: PoolClient, r: Pick<RedemptionRow, 'paymentId' | 'orderId' | 'points' | 'value' | 'currency'>): Promise<boolean> {
    const { rowCount } = await tx.query(
      `INSERT INTO ${this.t('loyalty_redemptions')} (payment_id, order_id, points, value, currency, state) VALUES ($1, $2, $3, $4, $5, 'recorded') ON CONFLICT DO NOTHING`,
      [r.paymentId, r.orderId, r.points, r.value, r.currency],
    );
    return rowCount === 1;
  }

  async redemptions(tx: PoolClient, orderId: string): Promise<RedemptionRow[]> {
    const { rows } = await tx.query<RedemptionRow>(`SELECT ${REDEMPTION_COLUMNS} FROM ${this.t('loyalty_redemptions')} WHERE order_id = $1 ORDER BY created_at, payment_id FOR UPDATE`, [orderId]);
    return rows;
  }

  async redemption(tx: PoolClient, paymentId: string): Promise<RedemptionRow | undefined> {
    const { rows } = await tx.query<RedemptionRow>(`SELECT ${REDEMPTION_COLUMNS} FROM ${this.t('loyalty_redemptions')} WHERE payment_id = $1 FOR UPDATE`, [paymentId]);
    return rows[0];
  }

  async updateRedemption(tx: PoolClient, paymentId: string, fields: { state?: RedemptionRow['state']; cancelRequested?: boolean; transactionId?: string }): Promise<void> {
    await tx.query(
      `UPDATE ${this.t('loyalty_redemptions')} SET state = COALESCE($2, state), cancel_requested = COALESCE($3, cancel_requested), transaction_id = COALESCE($4, transaction_id) WHERE payment_id = $1`,
      [paymentId, fields.state ?? null, fields.cancelRequested ?? null, fields.transactionId ?? null],
    );
  }

  async defer(tx: PoolClient, orderId: string, eventId: string, eventType: string, value: unknown): Promise<void> {
    await tx.query(`INSERT INTO ${this.t('loyalty_deferred')} (order_id, event_id, event_type, value) VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING`, [orderId, eventId, eventType, JSON.stringify(value)]);
  }

  /** The events deferred for an order, removed, in arrival order. */
  async takeDeferred(tx: PoolClient, orderId: string): Promise<Array<{ eventId: string; eventType: string; value: Record<string, unknown> }>> {
    const { rows } = await tx.query<{ eventId: string; eventType: string; value: Record<string, unknown> }>(
      `DELETE FROM ${this.t('loyalty_deferred')} WHERE order_id = $1 RETURNING id, event_id AS "eventId", event_type AS "eventType", value`,
      [orderId],
    );
    return rows.sort((a, b) => Number((a as unknown as { id: string }).id) - Number((b as unknown as { id: string }).id));
  }

  async deferredCount(db: { query: PoolClient['query'] }): Promise<number> {
    const { rows } = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${this.t('loyalty_deferred')}`);
    return Number(rows[0]!.n);
  }
}
