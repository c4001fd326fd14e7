import type { PoolClient } from 'pg';
import { contributionIds, keysTouched } from '../domain/projection';
import { stockKey, type ProjectionStore } from '../domain/store';
import type { Contribution, OrderRecord, ProjectionEvent, StockRow } from '../domain/types';

interface StockDbRow {
  sku: string;
  location_id: string;
  on_hand: number;
  reserved: number;
  version: string;
  snapshot_as_of: string | null;
  snapshot_id: string | null;
}

interface OrderDbRow {
  order_id: string;
  placement: OrderRecord['placement'];
  cancelled: boolean;
  shipped: Record<string, number>;
  shipment_ids: string[];
}

class NotLoadedError extends Error {
  constructor(what: string) {
    super(`${what} was not loaded for this event (bug in the loader)`);
    this.name = 'NotLoadedError';
  }
}

/**
 * The rows one event needs, loaded and locked in the consumer's transaction, then written back.
 * The rules run synchronously against it; anything they ask for that was not loaded is a bug.
 */
export class PgEventStore implements ProjectionStore {
  private readonly stock = new Map<string, StockRow | undefined>();
  private readonly stockWrites = new Map<string, StockRow>();
  private order: { id: string; record: OrderRecord | undefined } | undefined;
  private orderWrite: OrderRecord | undefined;
  private readonly knownContributions = new Set<string>();
  private readonly checkedContributions = new Set<string>();
  private readonly added: Array<{ sku: string; locationId: string; c: Contribution }> = [];
  private after: { key: string; at: number; list: Contribution[] } | undefined;
  private readonly prunes: Array<{ sku: string; locationId: string; upTo: number }> = [];

  private constructor(private readonly schema: string) {}

  /** Locks (order first, then stock keys in sorted order) and loads what `event` touches. */
  static async load(tx: PoolClient, schema: string, event: ProjectionEvent): Promise<PgEventStore> {
    const store = new PgEventStore(schema);
    const s = `"${schema}"`;
    let order: OrderRecord | undefined;
    if ('orderId' in event) {
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${schema}:order:${event.orderId}`]);
      const result = await tx.query<OrderDbRow>(
        `SELECT order_id, placement, cancelled, shipped, shipment_ids FROM ${s}.order_reservations WHERE order_id = $1`,
        [event.orderId],
      );
      const row = result.rows[0];
      order = row
        ? { orderId: row.order_id, placement: row.placement, cancelled: row.cancelled, shipped: row.shipped, shipmentIds: row.shipment_ids }
        : undefined;
      store.order = { id: event.orderId, record: order };
    }
    const keys = keysTouched(event, order);
    if (keys.length > 0) {
      const skus = keys.map((k) => k.sku);
      const locations = keys.map((k) => k.locationId);
      await tx.query(
        'SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) WITH ORDINALITY AS t(k, n) ORDER BY n',
        [keys.map((k) => `${schema}:stock:${stockKey(k.sku, k.locationId)}`)],
      );
      const rows = await tx.query<StockDbRow>(
        `SELECT s.sku, s.location_id, s.on_hand, s.reserved, s.version, s.snapshot_as_of, s.snapshot_id
         FROM unnest($1::text[], $2::text[]) AS k(sku, location_id)
         JOIN ${s}.stock s ON s.sku = k.sku AND s.location_id = k.location_id`,
        [skus, locations],
      );
      for (const k of keys) store.stock.set(stockKey(k.sku, k.locationId), undefined);
      for (const row of rows.rows) {
        store.stock.set(stockKey(row.sku, row.location_id), {
          sku: row.sku,
          locationId: row.location_id,
          onHand: row.on_hand,
          reserved: row.reserved,
          version: Number(row.version),
          snapshotAsOf: row.snapshot_as_of === null ? null : Number(row.snapshot_as_of),
          snapshotId: row.snapshot_id,
        });
      }
    }
    const ids = contributionIds(event);
    if (ids.length > 0) {
      const found = await tx.query<{ sku: string; location_id: string; id: string }>(
        `SELECT c.sku, c.location_id, c.id FROM unnest($1::text[], $2::text[], $3::text[]) AS k(sku, location_id, id)
         JOIN ${s}.stock_contributions c ON c.sku = k.sku AND c.location_id = k.location_id AND c.id = k.id`,
        [ids.map((i) => i.sku), ids.map((i) => i.locationId), ids.map((i) => i.id)],
      );
      for (const i of ids) store.checkedContributions.add(`${stockKey(i.sku, i.locationId)}|${i.id}`);
      for (const row of found.rows) store.knownContributions.add(`${stockKey(row.sku, row.location_id)}|${row.id}`);
    }
    if (event.kind === 'snapshot') {
      const later = await tx.query<{ id: string; observed_at: string; delta: number }>(
        `SELECT id, observed_at, delta FROM ${s}.stock_contributions WHERE sku = $1 AND location_id = $2 AND observed_at > $3`,
        [event.sku, event.locationId, event.asOf],
      );
      store.after = {
        key: stockKey(event.sku, event.locationId),
        at: event.asOf,
        list: later.rows.map((r) => ({ id: r.id, observedAt: Number(r.observed_at), delta: r.delta })),
      };
    }
    return store;
  }

  getStock(sku: string, locationId: string): StockRow | undefined {
    const key = stockKey(sku, locationId);
    if (this.stockWrites.has(key)) return this.stockWrites.get(key);
    if (!this.stock.has(key)) throw new NotLoadedError(`stock ${key}`);
    return this.stock.get(key);
  }

  putStock(row: StockRow): void {
    this.stockWrites.set(stockKey(row.sku, row.locationId), row);
  }

  getOrder(orderId: string): OrderRecord | undefined {
    if (this.orderWrite?.orderId === orderId) return this.orderWrite;
    if (this.order?.id !== orderId) throw new NotLoadedError(`order ${orderId}`);
    return this.order.record;
  }

  putOrder(order: OrderRecord): void {
    this.orderWrite = order;
  }

  hasContribution(sku: string, locationId: string, id: string): boolean {
    const key = `${stockKey(sku, locationId)}|${id}`;
    if (!this.checkedContributions.has(key)) throw new NotLoadedError(`contribution ${key}`);
    return this.knownContributions.has(key);
  }

  addContribution(sku: string, locationId: string, c: Contribution): void {
    this.knownContributions.add(`${stockKey(sku, locationId)}|${c.id}`);
    this.added.push({ sku, locationId, c });
  }

  contributionsAfter(sku: string, locationId: string, after: number): Contribution[] {
    const key = stockKey(sku, locationId);
    if (!this.after || this.after.key !== key || after < this.after.at) throw new NotLoadedError(`contributions of ${key} after ${after}`);
    return this.after.list.filter((c) => c.observedAt > after);
  }

  pruneContributions(sku: string, locationId: string, upTo: number): void {
    this.prunes.push({ sku, locationId, upTo });
  }

  /** Writes back what the rules changed, in the same transaction. */
  async save(tx: PoolClient): Promise<void> {
    const s = `"${this.schema}"`;
    for (const p of this.prunes) {
      await tx.query(`DELETE FROM ${s}.stock_contributions WHERE sku = $1 AND location_id = $2 AND observed_at <= $3`, [p.sku, p.locationId, p.upTo]);
    }
    if (this.added.length > 0) {
      await tx.query(
        `INSERT INTO ${s}.stock_contributions (sku, location_id, id, observed_at, delta)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::int[]) ON CONFLICT DO NOTHING`,
        [this.added.map((a) => a.sku), this.added.map((a) => a.locationId), this.added.map((a) => a.c.id), this.added.map((a) => a.c.observedAt), this.added.map((a) => a.c.delta)],
      );
    }
    const rows = [...this.stockWrites.values()];
    if (rows.length > 0) {
      await tx.query(
        `INSERT INTO ${s}.stock (sku, location_id, on_hand, reserved, version, snapshot_as_of, snapshot_id, updated_at)
         SELECT sku, location_id, on_hand, reserved, version, snapshot_as_of, snapshot_id, now()
         FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::bigint[], $6::bigint[], $7::text[])
           AS r(sku, location_id, on_hand, reserved, version, snapshot_as_of, snapshot_id)
         ON CONFLICT (sku, location_id) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved,
           version = excluded.version, snapshot_as_of = excluded.snapshot_as_of, snapshot_id = excluded.snapshot_id, updated_at = now()`,
        [
          rows.map((r) => r.sku),
          rows.map((r) => r.locationId),
          rows.map((r) => r.onHand),
          rows.map((r) => r.reserved),
          rows.map((r) => r.version),
          rows.map((r) => r.snapshotAsOf),
          rows.map((r) => r.snapshotId),
        ],
      );
    }
    if (this.orderWrite) {
      const o = this.orderWrite;
      await tx.query(
        `INSERT INTO ${s}.order_reservations (order_id, placement, cancelled, shipped, shipment_ids, updated_at)
         VALUES ($1, $2::jsonb, $3, $4::jsonb, $5::jsonb, now())
         ON CONFLICT (order_id) DO UPDATE SET placement = excluded.placement, cancelled = excluded.cancelled,
           shipped = excluded.shipped, shipment_ids = excluded.shipment_ids, updated_at = now()`,
        [o.orderId, o.placement === null ? null : JSON.stringify(o.placement), o.cancelled, JSON.stringify(o.shipped), JSON.stringify(o.shipmentIds)],
      );
    }
  }
}
