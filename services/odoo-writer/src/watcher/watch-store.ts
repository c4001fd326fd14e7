import { recordEvents, type OutboxEvent } from '@retail-backbone/messaging';
import type pg from 'pg';
import type { PoolClient } from 'pg';
import { WriterStore } from '../db/store';
import { FOLLOW_UP_KIND } from '../sync/effect-keys';
import type { Cursor } from './change-feed';

/** What the watcher decided for one Odoo record in one state. */
export interface WatchEntry {
  /** `<model>:<id>:<state>`: the record + state it handled, unique. */
  dedupKey: string;
  model: string;
  recordId: number;
  writeDate: string;
  events: OutboxEvent[];
  /** Why nothing is emitted (events empty). */
  skipReason?: string;
  detail?: unknown;
  /**
   * A delivery of a backbone order: emitted only if odoo-writer did not validate that picking
   * itself (then the WMS already reported the shipment). Checked under the writer's lock of the order.
   */
  delivery?: { orderId: string; pickingId: number };
}

export interface PageResult {
  emitted: number;
  skipped: number;
  /** Entries another run (or an earlier read of the overlap window) had already handled. */
  duplicates: number;
}

/** The watcher's tables in the writer's schema (migration 1745000000000_odoo-watcher.sql). */
export class WatchStore {
  private readonly writerStore: WriterStore;

  constructor(
    private readonly pool: pg.Pool,
    readonly schema: string,
  ) {
    this.writerStore = new WriterStore(schema);
  }

  private t(table: string): string {
    return `${this.schema}.${table}`;
  }

  async cursor(model: string): Promise<Cursor | undefined> {
    const { rows } = await this.pool.query<{ write_date: string; record_id: number }>(`SELECT write_date, record_id FROM ${this.t('watch_cursors')} WHERE model = $1`, [model]);
    return rows[0] ? { writeDate: rows[0].write_date, id: rows[0].record_id } : undefined;
  }

  /** The keys among `keys` already handled, so a re-read record costs no further Odoo read. */
  async handled(keys: string[]): Promise<Set<string>> {
    if (!keys.length) return new Set();
    const { rows } = await this.pool.query<{ dedup_key: string }>(`SELECT dedup_key FROM ${this.t('watched_records')} WHERE dedup_key = ANY($1::text[])`, [keys]);
    return new Set(rows.map((r) => r.dedup_key));
  }

  /**
   * One short transaction per page: the entries not handled before (dedup rows inserted ON
   * CONFLICT DO NOTHING, so concurrent watchers and re-reads add nothing), their events in the
   * outbox, and the cursor moved forward (never back). No Odoo call is made inside.
   */
  async commitPage(model: string, cursor: Cursor, entries: WatchEntry[], beforeCommit?: (entries: number) => void): Promise<PageResult> {
    const tx = await this.pool.connect();
    try {
      await tx.query('BEGIN');
      await this.settleDeliveries(tx, entries);
      const { rows } = await tx.query<{ dedup_key: string }>(
        `INSERT INTO ${this.t('watched_records')} (dedup_key, model, record_id, write_date, outcome, event_type, event_ids, reason, detail)
         SELECT k, m, r, w, o, et, string_to_array(ids, ' '), rs, d::jsonb
           FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS x(k, m, r, w, o, et, ids, rs, d)
         ON CONFLICT (dedup_key) DO NOTHING
         RETURNING dedup_key`,
        [
          entries.map((e) => e.dedupKey),
          entries.map((e) => e.model),
          entries.map((e) => e.recordId),
          entries.map((e) => e.writeDate),
          entries.map((e) => (e.events.length ? 'emitted' : 'skipped')),
          entries.map((e) => e.events[0]?.eventType ?? null),
          entries.map((e) => e.events.map((ev) => ev.value.envelope.eventId).join(' ')),
          entries.map((e) => e.skipReason ?? null),
          entries.map((e) => (e.detail === undefined ? null : JSON.stringify(e.detail))),
        ],
      );
      const fresh = new Set(rows.map((r) => r.dedup_key));
      const toEmit = entries.filter((e) => fresh.has(e.dedupKey));
      const events = toEmit.flatMap((e) => e.events);
      if (events.length) await recordEvents(tx, events, { schema: this.schema });
      await tx.query(
        `INSERT INTO ${this.t('watch_cursors')} AS c (model, write_date, record_id) VALUES ($1, $2, $3)
         ON CONFLICT (model) DO UPDATE SET write_date = EXCLUDED.write_date, record_id = EXCLUDED.record_id, updated_at = now()
         WHERE (c.write_date, c.record_id) < (EXCLUDED.write_date, EXCLUDED.record_id)`,
        [model, cursor.writeDate, cursor.id],
      );
      beforeCommit?.(toEmit.length);
      await tx.query('COMMIT');
      const emitted = toEmit.filter((e) => e.events.length).length;
      return { emitted, skipped: toEmit.length - emitted, duplicates: entries.length - toEmit.length };
    } catch (error) {
      await tx.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      tx.release();
    }
  }

  /**
   * A done delivery of a backbone order is the writer's own when the writer recorded validating
   * that picking (operations, written with the effect's outcome) or when a shipment effect of the
   * writer for that order is still open: the writer records its intent before it calls
   * button_validate and closes it with the operation row in one transaction, so a validation in
   * flight is always seen as one or the other. (A second picking of the same order validated by
   * hand while a WMS shipment of it is in flight is taken for the writer's too: the WMS reported
   * that order's shipment.) The order locks keep this in step with the writer's intents.
   */
  private async settleDeliveries(tx: PoolClient, entries: WatchEntry[]): Promise<void> {
    const deliveries = entries.filter((e) => e.delivery && e.events.length);
    if (!deliveries.length) return;
    const orderIds = [...new Set(deliveries.map((e) => e.delivery!.orderId))].sort();
    for (const orderId of orderIds) await this.writerStore.lockOrder(tx, orderId);
    const { rows } = await tx.query<{ order_id: string; odoo_res_id: number }>(
      `SELECT order_id, odoo_res_id FROM ${this.t('operations')} WHERE operation = 'picking_validate' AND order_id = ANY($1::text[]) AND odoo_res_id = ANY($2::int[])`,
      [deliveries.map((e) => e.delivery!.orderId), deliveries.map((e) => e.delivery!.pickingId)],
    );
    const own = new Set(rows.map((r) => `${r.order_id}\n${r.odoo_res_id}`));
    const { rows: open } = await tx.query<{ aggregate_key: string }>(
      `SELECT DISTINCT aggregate_key FROM ${this.t('outside_effects')}
        WHERE kind = $1 AND aggregate_key = ANY($2::text[]) AND state IN ('pending', 'unknown', 'failed') AND effect_key LIKE 'odoo-writer:ship:%'`,
      [FOLLOW_UP_KIND, orderIds],
    );
    const inFlight = new Set(open.map((r) => r.aggregate_key));
    for (const e of deliveries) {
      if (own.has(`${e.delivery!.orderId}\n${e.delivery!.pickingId}`)) {
        e.events = [];
        e.skipReason = "validated by odoo-writer for the WMS's shipment (already reported)";
      } else if (inFlight.has(e.delivery!.orderId)) {
        e.events = [];
        e.skipReason = "odoo-writer is validating this order's pickings for the WMS's shipment (already reported)";
      }
    }
  }
}
