import type { PoolClient } from 'pg';
import { contributionIds, keysTouched } from '../domain/projection';
import { stockKey, type ProjectionStore } from '../domain/store';
import type { Contribution, OrderRecord, OversellPolicy, ProjectionEvent, StockRow } from '../domain/types';

interface OrderDbRow {
  order_id: string;
  placement: OrderRecord['placement'];
  cancelled: boolean;
  shipped: Record<string, number>;
  shipment_ids: string[];
}

/** Stock rows, contributions and policies of a batch, read in one statement (json_agg per table). */
interface LoadedRows {
  stock: Array<{ sku: string; location_id: string; on_hand: number; reserved: number; version: number; snapshot_as_of: number | null; snapshot_id: string | null }>;
  contributions: Array<{ sku: string; location_id: string; id: string; observed_at: number; delta: number }>;
  policies: Array<{ location_id: string; policy: OversellPolicy }>;
}

class NotLoadedError extends Error {
  constructor(what: string) {
    super(`${what} was not loaded for this batch (bug in the loader)`);
    this.name = 'NotLoadedError';
  }
}

/** A contribution known to exist at this point of the batch; `fresh` ones are not in the table yet. */
interface KnownContribution extends Contribution {
  fresh: boolean;
}

/** Per-key contribution state of the batch. */
interface KeyContributions {
  sku: string;
  locationId: string;
  present: Map<string, KnownContribution>;
  /** Ids whose presence was read (or decided) in this batch. */
  checked: Set<string>;
  /** Every stored contribution of the key observed after this instant was read. */
  completeAfter: number | undefined;
  /** Highest prune bound applied in this batch: stored rows at or before it are deleted on save. */
  prunedUpTo: number | undefined;
}

/** Takes transaction-scoped advisory locks in one global order (by lock id), so batches never deadlock. */
async function lockAll(tx: PoolClient, names: string[]): Promise<void> {
  if (names.length === 0) return;
  await tx.query(
    `SELECT pg_advisory_xact_lock(id) FROM (SELECT DISTINCT hashtextextended(name, 0) AS id FROM unnest($1::text[]) AS name) AS l ORDER BY id`,
    [names],
  );
}

/**
 * The rows a whole consumer transaction's events need, locked and read with a handful of
 * statements, changed in memory by the rules (event after event, in order), and written back with
 * one multi-row statement per table. Locks: every order of the batch, then every stock key, each
 * group in lock-id order; a transaction never waits for an order lock while holding a stock lock.
 */
export class BatchStore implements ProjectionStore {
  private readonly stock = new Map<string, StockRow | undefined>();
  private readonly stockWrites = new Map<string, StockRow>();
  private readonly orders = new Map<string, OrderRecord | undefined>();
  private readonly orderWrites = new Map<string, OrderRecord>();
  private readonly contributions = new Map<string, KeyContributions>();
  private readonly policies = new Map<string, OversellPolicy>();

  private constructor(private readonly schema: string) {}

  static async load(tx: PoolClient, schema: string, events: ProjectionEvent[]): Promise<BatchStore> {
    const store = new BatchStore(schema);
    const s = `"${schema}"`;
    const orderIds = [...new Set(events.flatMap((e) => ('orderId' in e ? [e.orderId] : [])))];
    if (orderIds.length > 0) {
      await lockAll(tx, orderIds.map((id) => `${schema}:order:${id}`));
      const result = await tx.query<OrderDbRow>(
        `SELECT order_id, placement, cancelled, shipped, shipment_ids FROM ${s}.order_reservations WHERE order_id = ANY($1::text[])`,
        [orderIds],
      );
      for (const id of orderIds) store.orders.set(id, undefined);
      for (const row of result.rows) {
        store.orders.set(row.order_id, { orderId: row.order_id, placement: row.placement, cancelled: row.cancelled, shipped: row.shipped, shipmentIds: row.shipment_ids });
      }
    }

    // Stored records suffice to find the keys: a placement made earlier in the batch only touches
    // keys its own OrderPlaced event names.
    const keys = new Map<string, { sku: string; locationId: string }>();
    for (const event of events) {
      const order = 'orderId' in event ? store.orders.get(event.orderId) : undefined;
      for (const k of keysTouched(event, order)) keys.set(stockKey(k.sku, k.locationId), k);
    }
    const ids = events.flatMap((e) => contributionIds(e));
    const after = new Map<string, { sku: string; locationId: string; asOf: number }>();
    for (const event of events) {
      if (event.kind !== 'snapshot') continue;
      const key = stockKey(event.sku, event.locationId);
      const earliest = after.get(key);
      if (!earliest || event.asOf < earliest.asOf) after.set(key, { sku: event.sku, locationId: event.locationId, asOf: event.asOf });
    }
    const locations = [...new Set(events.flatMap((e) => (e.kind === 'placed' ? [e.locationId] : [])))];
    if (keys.size === 0 && locations.length === 0) return store;

    const keyList = [...keys.values()];
    await lockAll(tx, keyList.map((k) => `${schema}:stock:${stockKey(k.sku, k.locationId)}`));
    const afterList = [...after.values()];
    const result = await tx.query<LoadedRows>(
      `SELECT
         (SELECT coalesce(json_agg(json_build_object('sku', s.sku, 'location_id', s.location_id, 'on_hand', s.on_hand, 'reserved', s.reserved,
                   'version', s.version, 'snapshot_as_of', s.snapshot_as_of, 'snapshot_id', s.snapshot_id)), '[]')
            FROM unnest($1::text[], $2::text[]) AS k(sku, location_id)
            JOIN ${s}.stock s ON s.sku = k.sku AND s.location_id = k.location_id) AS stock,
         (SELECT coalesce(json_agg(json_build_object('sku', c.sku, 'location_id', c.location_id, 'id', c.id, 'observed_at', c.observed_at, 'delta', c.delta)), '[]')
            FROM (SELECT c.* FROM unnest($3::text[], $4::text[], $5::text[]) AS k(sku, location_id, id)
                  JOIN ${s}.stock_contributions c ON c.sku = k.sku AND c.location_id = k.location_id AND c.id = k.id
                  UNION
                  SELECT c.* FROM unnest($6::text[], $7::text[], $8::bigint[]) AS k(sku, location_id, after)
                  JOIN ${s}.stock_contributions c ON c.sku = k.sku AND c.location_id = k.location_id AND c.observed_at > k.after) AS c) AS contributions,
         (SELECT coalesce(json_agg(json_build_object('location_id', p.location_id, 'policy', p.policy)), '[]')
            FROM ${s}.oversell_policy p WHERE p.location_id = ANY($9::text[])) AS policies`,
      [
        keyList.map((k) => k.sku),
        keyList.map((k) => k.locationId),
        ids.map((i) => i.sku),
        ids.map((i) => i.locationId),
        ids.map((i) => i.id),
        afterList.map((a) => a.sku),
        afterList.map((a) => a.locationId),
        afterList.map((a) => a.asOf),
        locations,
      ],
    );
    const loaded = result.rows[0]!;
    for (const k of keyList) store.stock.set(stockKey(k.sku, k.locationId), undefined);
    for (const row of loaded.stock) {
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
    for (const i of ids) store.contributionsOf(i.sku, i.locationId).checked.add(i.id);
    for (const a of afterList) store.contributionsOf(a.sku, a.locationId).completeAfter = a.asOf;
    for (const row of loaded.contributions) {
      const known = store.contributionsOf(row.sku, row.location_id);
      known.present.set(row.id, { id: row.id, observedAt: Number(row.observed_at), delta: row.delta, fresh: false });
      known.checked.add(row.id);
    }
    for (const row of loaded.policies) store.policies.set(row.location_id, row.policy);
    return store;
  }

  private contributionsOf(sku: string, locationId: string): KeyContributions {
    const key = stockKey(sku, locationId);
    let known = this.contributions.get(key);
    if (!known) {
      known = { sku, locationId, present: new Map(), checked: new Set(), completeAfter: undefined, prunedUpTo: undefined };
      this.contributions.set(key, known);
    }
    return known;
  }

  /** The stored policy of a location a placement of this batch is at. */
  policyOf(locationId: string, fallback: OversellPolicy): OversellPolicy {
    return this.policies.get(locationId) ?? fallback;
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
    if (this.orderWrites.has(orderId)) return this.orderWrites.get(orderId);
    if (!this.orders.has(orderId)) throw new NotLoadedError(`order ${orderId}`);
    return this.orders.get(orderId);
  }

  putOrder(order: OrderRecord): void {
    this.orderWrites.set(order.orderId, order);
  }

  hasContribution(sku: string, locationId: string, id: string): boolean {
    const known = this.contributions.get(stockKey(sku, locationId));
    if (!known?.checked.has(id)) throw new NotLoadedError(`contribution ${stockKey(sku, locationId)}|${id}`);
    return known.present.has(id);
  }

  addContribution(sku: string, locationId: string, c: Contribution): void {
    const known = this.contributionsOf(sku, locationId);
    known.checked.add(c.id);
    known.present.set(c.id, { ...c, fresh: true });
  }

  contributionsAfter(sku: string, locationId: string, after: number): Contribution[] {
    const known = this.contributions.get(stockKey(sku, locationId));
    if (known?.completeAfter === undefined || after < known.completeAfter) {
      throw new NotLoadedError(`contributions of ${stockKey(sku, locationId)} after ${after}`);
    }
    return [...known.present.values()].filter((c) => c.observedAt > after).map(({ id, observedAt, delta }) => ({ id, observedAt, delta }));
  }

  pruneContributions(sku: string, locationId: string, upTo: number): void {
    const known = this.contributionsOf(sku, locationId);
    for (const [id, c] of known.present) if (c.observedAt <= upTo) known.present.delete(id);
    known.prunedUpTo = Math.max(known.prunedUpTo ?? upTo, upTo);
  }

  /** Writes back the batch's final state: one statement per table. */
  async save(tx: PoolClient): Promise<void> {
    const s = `"${this.schema}"`;
    const all = [...this.contributions.values()];
    // Deletes first: a contribution added after a prune in this batch must survive it.
    const pruned = all.filter((k) => k.prunedUpTo !== undefined);
    if (pruned.length > 0) {
      await tx.query(
        `DELETE FROM ${s}.stock_contributions c USING unnest($1::text[], $2::text[], $3::bigint[]) AS p(sku, location_id, up_to)
         WHERE c.sku = p.sku AND c.location_id = p.location_id AND c.observed_at <= p.up_to`,
        [pruned.map((k) => k.sku), pruned.map((k) => k.locationId), pruned.map((k) => k.prunedUpTo)],
      );
    }
    const added = all.flatMap((k) => [...k.present.values()].filter((c) => c.fresh).map((c) => ({ sku: k.sku, locationId: k.locationId, c })));
    if (added.length > 0) {
      await tx.query(
        `INSERT INTO ${s}.stock_contributions (sku, location_id, id, observed_at, delta)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::int[]) ON CONFLICT DO NOTHING`,
        [added.map((a) => a.sku), added.map((a) => a.locationId), added.map((a) => a.c.id), added.map((a) => a.c.observedAt), added.map((a) => a.c.delta)],
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
    const orders = [...this.orderWrites.values()];
    if (orders.length > 0) {
      await tx.query(
        `INSERT INTO ${s}.order_reservations (order_id, placement, cancelled, shipped, shipment_ids, updated_at)
         SELECT order_id, placement, cancelled, shipped, shipment_ids, now()
         FROM unnest($1::text[], $2::jsonb[], $3::boolean[], $4::jsonb[], $5::jsonb[]) AS o(order_id, placement, cancelled, shipped, shipment_ids)
         ON CONFLICT (order_id) DO UPDATE SET placement = excluded.placement, cancelled = excluded.cancelled,
           shipped = excluded.shipped, shipment_ids = excluded.shipment_ids, updated_at = now()`,
        [
          orders.map((o) => o.orderId),
          orders.map((o) => (o.placement === null ? null : JSON.stringify(o.placement))),
          orders.map((o) => o.cancelled),
          orders.map((o) => JSON.stringify(o.shipped)),
          orders.map((o) => JSON.stringify(o.shipmentIds)),
        ],
      );
    }
  }
}
