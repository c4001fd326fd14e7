import { ServiceTables, type EffectCause } from '@retail-backbone/messaging';
import type { Pool, PoolClient } from 'pg';

type Db = Pool | PoolClient;

export interface OrderLineRef {
  lineId: string;
  sku: string;
  quantity: number;
}

export interface KnownOrder {
  orderId: string;
  channel: string;
  channelId: string;
  channelOrderId: string;
  channelOrderNumber: string | null;
  storeId: string | null;
  lines: OrderLineRef[];
  /** Personal data for the notification hook: never logged. */
  contact: { email?: string | null; phone?: string | null; firstName?: string | null };
}

export interface ShipmentLine {
  lineId: string | null;
  sku: string;
  quantity: number;
}

/** The fields of a ShipmentDispatched the propagator keeps (no envelope). */
export interface ShipmentFacts {
  orderId: string;
  shipmentId: string;
  source: string;
  locationId: string;
  lines: ShipmentLine[];
  carrier: string | null;
  trackingNumber: string | null;
  trackingUrl: string | null;
  dispatchedAt: number;
}

export interface ShipmentRow {
  shipmentKey: string;
  orderId: string;
  status: 'accepted' | 'parked';
  failureCode: string | null;
  event: ShipmentFacts;
  cause: EffectCause;
}

/** SQL for the propagator's own tables (orders it knows, shipments it accepted or parked). */
export class PropagatorStore extends ServiceTables {
  constructor(schema: string) {
    super(schema, 'shipment-propagator');
  }

  /** Serialises decisions about one order's shipments (two shipments of one order consumed at once). */
  async lockOrder(tx: PoolClient, orderId: string): Promise<void> {
    await this.lock(tx, orderId);
  }

  async upsertOrder(tx: PoolClient, order: KnownOrder, placedAt: number): Promise<boolean> {
    const { rowCount } = await tx.query(
      `INSERT INTO ${this.t('orders')} (order_id, channel, channel_id, channel_order_id, channel_order_number, store_id, lines, contact, placed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, to_timestamp($9 / 1000.0))
       ON CONFLICT (order_id) DO NOTHING`,
      [order.orderId, order.channel, order.channelId, order.channelOrderId, order.channelOrderNumber, order.storeId, JSON.stringify(order.lines), JSON.stringify(order.contact), placedAt],
    );
    return (rowCount ?? 0) > 0;
  }

  async order(db: Db, orderId: string): Promise<KnownOrder | undefined> {
    const { rows } = await db.query(
      `SELECT order_id, channel, channel_id, channel_order_id, channel_order_number, store_id, lines, contact FROM ${this.t('orders')} WHERE order_id = $1`,
      [orderId],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      orderId: r.order_id,
      channel: r.channel,
      channelId: r.channel_id,
      channelOrderId: r.channel_order_id,
      channelOrderNumber: r.channel_order_number,
      storeId: r.store_id,
      lines: r.lines,
      contact: r.contact,
    };
  }

  async shipment(db: Db, shipmentKey: string): Promise<ShipmentRow | undefined> {
    const { rows } = await db.query(`SELECT shipment_key, order_id, status, failure_code, event, cause FROM ${this.t('shipments')} WHERE shipment_key = $1`, [shipmentKey]);
    return rows[0] && toShipment(rows[0]);
  }

  /** Units already accepted for shipping per order line (from the shipments accepted so far). */
  async acceptedLines(db: Db, orderId: string): Promise<Map<string, number>> {
    const { rows } = await db.query<{ line_id: string; quantity: number }>(
      `SELECT l->>'lineId' AS line_id, sum((l->>'quantity')::int)::int AS quantity
       FROM ${this.t('shipments')} s, jsonb_array_elements(s.event->'resolvedLines') l
       WHERE s.order_id = $1 AND s.status = 'accepted' GROUP BY 1`,
      [orderId],
    );
    return new Map(rows.map((r) => [r.line_id, r.quantity]));
  }

  async saveShipment(
    tx: PoolClient,
    row: { shipmentKey: string; orderId: string; status: 'accepted' | 'parked'; failureCode: string | null; failureReason: string | null; event: object; cause: EffectCause },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.t('shipments')} (shipment_key, order_id, status, failure_code, failure_reason, event, cause)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)
       ON CONFLICT (shipment_key) DO UPDATE SET status = EXCLUDED.status, failure_code = EXCLUDED.failure_code,
         failure_reason = EXCLUDED.failure_reason, event = EXCLUDED.event, updated_at = now()`,
      [row.shipmentKey, row.orderId, row.status, row.failureCode, row.failureReason, JSON.stringify(row.event), JSON.stringify(row.cause)],
    );
  }

  /** Parked shipments, of one order or all, oldest first. */
  async parked(db: Db, orderId?: string): Promise<ShipmentRow[]> {
    const { rows } = await db.query(
      `SELECT shipment_key, order_id, status, failure_code, event, cause FROM ${this.t('shipments')}
       WHERE status = 'parked' AND ($1::text IS NULL OR order_id = $1) ORDER BY created_at, shipment_key`,
      [orderId ?? null],
    );
    return rows.map(toShipment);
  }
}

function toShipment(r: Record<string, unknown>): ShipmentRow {
  return {
    shipmentKey: r.shipment_key as string,
    orderId: r.order_id as string,
    status: r.status as 'accepted' | 'parked',
    failureCode: (r.failure_code as string | null) ?? null,
    event: r.event as ShipmentFacts,
    cause: r.cause as EffectCause,
  };
}
