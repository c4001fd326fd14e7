import { randomUUID } from 'node:crypto';
import { eventKey, topicOf, validateEvent, type EventType, type ShipmentDispatched, type StockMovementRecorded } from '@retail-backbone/contracts';
import { buildEnvelope, type OutboxEvent } from '@retail-backbone/messaging';
import type { Logger, Registry } from '@retail-backbone/observability';
import type { Many2one } from '@retail-backbone/odoo-client';
import { Counter } from 'prom-client';
import type pg from 'pg';
import type { OdooGateway } from '../odoo/gateway';
import { ChangeFeed, compareCursors, type ChangedRecord, type Cursor, type ReadFrom } from './change-feed';
import { many2oneId, OdooLookups } from './odoo-lookups';
import { BEGINNING, odooDatetimeOrNull, odooMillis, secondsBefore } from './odoo-time';
import { classifyMove } from './stock-movements';
import { WatchStore, type PageResult, type WatchEntry } from './watch-store';

export interface WatcherOptions {
  pool: pg.Pool;
  schema: string;
  odoo: OdooGateway;
  logger: Logger;
  registry: Registry;
  /** Envelope producer and region. */
  service: string;
  region: string;
  pageSize: number;
  overlapSeconds: number;
  pollIntervalMs: number;
  locations: ReadonlyMap<string, string>;
  startAt?: string;
  /** Test seam: runs inside a page's transaction right before its COMMIT. */
  beforeCommit?: (entries: number) => void;
}

export interface PollReport {
  pages: number;
  emitted: number;
  skipped: number;
  duplicates: number;
}

const MOVE_FIELDS = ['product_id', 'quantity', 'location_id', 'location_dest_id', 'picking_id', 'picking_code', 'is_inventory', 'scrapped', 'date', 'state'];
const PICKING_FIELDS = ['name', 'sale_id', 'location_id', 'carrier_tracking_ref', 'carrier_tracking_url', 'date_done', 'state'];

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/**
 * Odoo as an input of the backbone: polls what changed in Odoo since a cursor per model and
 * emits it through the writer's outbox. Done stock moves that are not deliveries of backbone
 * orders become StockMovementRecorded; done outgoing pickings of backbone orders that odoo-writer
 * did not validate itself become ShipmentDispatched (`source: 'odoo'`). Each Odoo record + state is
 * handled once (`watched_records`), whatever re-reads, restarts or concurrent watchers happen.
 */
export class OdooWatcher {
  private readonly store: WatchStore;
  private readonly lookups: OdooLookups;
  private readonly moves: ChangeFeed;
  private readonly pickings: ChangeFeed;
  private readonly records: Counter;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: WatcherOptions) {
    this.store = new WatchStore(options.pool, options.schema);
    this.lookups = new OdooLookups(options.odoo, options.pool, options.schema);
    this.moves = new ChangeFeed(options.odoo, 'stock.move', [['state', '=', 'done']], MOVE_FIELDS);
    this.pickings = new ChangeFeed(
      options.odoo,
      'stock.picking',
      [
        ['state', '=', 'done'],
        ['picking_type_code', '=', 'outgoing'],
      ],
      PICKING_FIELDS,
    );
    const r = options.registry;
    this.records =
      (r.getSingleMetric('odoo_watcher_records_total') as Counter | undefined) ??
      new Counter({ name: 'odoo_watcher_records_total', help: 'Odoo records the watcher handled, by model and outcome', labelNames: ['model', 'outcome'], registers: [r] });
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      this.running = this.pollOnce()
        .then(() => undefined)
        .catch((error: unknown) => {
          this.options.logger.warn('Odoo watch poll failed; retried at the next poll', { error });
        });
      await this.running;
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.options.pollIntervalMs);
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Reads every watched model to its end once. */
  async pollOnce(): Promise<PollReport> {
    const report: PollReport = { pages: 0, emitted: 0, skipped: 0, duplicates: 0 };
    for (const [feed, build] of [
      [this.moves, (page: ChangedRecord[]) => this.moveEntries(page)],
      [this.pickings, (page: ChangedRecord[]) => this.pickingEntries(page)],
    ] as const) {
      await this.drain(feed, build, report);
    }
    return report;
  }

  /**
   * From the overlap window before the cursor to the end of the feed, a page at a time. Odoo
   * stamps write_date with its transaction's start, so a transaction that commits late shows
   * records older than ones already read; re-reading the last `overlapSeconds` finds them (and
   * records written after Odoo's clock stepped back by less than that), the dedup rows drop the rest.
   */
  private async drain(feed: ChangeFeed, build: (page: ChangedRecord[]) => Promise<WatchEntry[]>, report: PollReport): Promise<void> {
    const saved = await this.store.cursor(feed.model);
    let from: ReadFrom = saved ? { since: secondsBefore(saved.writeDate, this.options.overlapSeconds) } : { since: this.options.startAt ?? BEGINNING };
    for (;;) {
      if (this.stopped) return;
      const page = await feed.page(from, this.options.pageSize);
      if (!page.length) return;
      const last = page.at(-1)!;
      const cursor: Cursor = { writeDate: last.write_date, id: last.id };
      const handled = await this.store.handled(page.map((r) => dedupKey(feed.model, r)));
      const entries = await build(page.filter((r) => !handled.has(dedupKey(feed.model, r))));
      // an overlap page of records all handled before moves nothing but the read position
      const result: PageResult =
        entries.length || !saved || compareCursors(cursor, saved) > 0
          ? await this.store.commitPage(feed.model, cursor, entries, this.options.beforeCommit)
          : { emitted: 0, skipped: 0, duplicates: 0 };
      report.pages += 1;
      report.emitted += result.emitted;
      report.skipped += result.skipped;
      report.duplicates += result.duplicates + handled.size;
      this.records.inc({ model: feed.model, outcome: 'emitted' }, result.emitted);
      this.records.inc({ model: feed.model, outcome: 'skipped' }, result.skipped);
      if (result.emitted || result.skipped) this.options.logger.info('Odoo changes recorded', { model: feed.model, emitted: result.emitted, skipped: result.skipped, cursor });
      if (page.length < this.options.pageSize) return;
      from = { after: cursor };
    }
  }

  private backboneLocation = (odooName: string): string => this.options.locations.get(odooName) ?? odooName;

  private async moveEntries(page: ChangedRecord[]): Promise<WatchEntry[]> {
    if (!page.length) return [];
    const locations = await this.lookups.locations(page.flatMap((m) => [many2oneId(m.location_id), many2oneId(m.location_dest_id)].filter((id): id is number => id !== null)));
    const skus = await this.lookups.skus(page.map((m) => many2oneId(m.product_id)).filter((id): id is number => id !== null));
    const outgoingPickings = page.filter((m) => m.picking_code === 'outgoing').map((m) => many2oneId(m.picking_id)).filter((id): id is number => id !== null);
    const saleOrders = await this.lookups.pickingOrders(outgoingPickings);
    const { orders } = await this.lookups.backboneOrders(saleOrders.values());
    return page.map((move) => {
      const pickingId = many2oneId(move.picking_id);
      const saleOrderId = pickingId === null ? undefined : saleOrders.get(pickingId);
      const decision = classifyMove(
        {
          id: move.id,
          sku: skus.get(many2oneId(move.product_id) ?? -1),
          quantity: Number(move.quantity),
          from: locations.get(many2oneId(move.location_id) ?? -1),
          to: locations.get(many2oneId(move.location_dest_id) ?? -1),
          // a backbone order's delivery reaches the projector as ShipmentDispatched (WMS or watcher)
          backboneDelivery: move.picking_code === 'outgoing' && saleOrderId !== undefined && orders.has(saleOrderId),
          isInventory: move.is_inventory === true,
          scrapped: move.scrapped === true,
        },
        this.backboneLocation,
      );
      const entry = { dedupKey: dedupKey('stock.move', move), model: 'stock.move', recordId: move.id, writeDate: move.write_date };
      if ('skip' in decision) return { ...entry, events: [], skipReason: decision.skip };
      const observedAt = odooMillis(odooDatetimeOrNull(move.date) ?? move.write_date);
      const values = decision.movements.map((m): Omit<StockMovementRecorded, 'envelope'> => ({ ...m, observedAt, source: 'odoo' }));
      return this.withEvents(entry, 'StockMovementRecorded', values);
    });
  }

  private async pickingEntries(page: ChangedRecord[]): Promise<WatchEntry[]> {
    if (!page.length) return [];
    const saleOrderIds = page.map((p) => many2oneId(p.sale_id)).filter((id): id is number => id !== null);
    const { orders, unresolved } = await this.lookups.backboneOrders(saleOrderIds);
    const backbone = page.filter((p) => orders.has(many2oneId(p.sale_id) ?? -1));
    const moves = backbone.length
      ? await this.options.odoo.searchRead<{ id: number; picking_id: Many2one; product_id: Many2one; quantity: number }>(
          'stock.move',
          [
            ['picking_id', 'in', backbone.map((p) => p.id)],
            ['state', '=', 'done'],
          ],
          { fields: ['picking_id', 'product_id', 'quantity'], order: 'id asc' },
        )
      : [];
    const skus = await this.lookups.skus(moves.map((m) => many2oneId(m.product_id)).filter((id): id is number => id !== null));
    const locations = await this.lookups.locations(backbone.map((p) => many2oneId(p.location_id)).filter((id): id is number => id !== null));
    return page.map((picking) => {
      const entry = { dedupKey: dedupKey('stock.picking', picking), model: 'stock.picking', recordId: picking.id, writeDate: picking.write_date };
      const saleOrderId = many2oneId(picking.sale_id);
      const orderId = saleOrderId === null ? undefined : orders.get(saleOrderId);
      if (!orderId) {
        const why = saleOrderId !== null && unresolved.has(saleOrderId) ? 'backbone external id whose order id is unknown to this writer' : 'not a backbone order: its moves are sale movements';
        return { ...entry, events: [], skipReason: why };
      }
      const own = moves.filter((m) => many2oneId(m.picking_id) === picking.id);
      const unknownSku = own.filter((m) => !skus.has(many2oneId(m.product_id) ?? -1));
      if (unknownSku.length) return { ...entry, events: [], skipReason: 'a shipped product has no internal reference (default_code)', detail: { moves: unknownSku.map((m) => m.id) } };
      const lines = new Map<string, number>();
      for (const m of own) lines.set(skus.get(many2oneId(m.product_id)!)!, (lines.get(skus.get(many2oneId(m.product_id)!)!) ?? 0) + Number(m.quantity));
      const location = locations.get(many2oneId(picking.location_id) ?? -1);
      const value: Omit<ShipmentDispatched, 'envelope'> = {
        orderId,
        shipmentId: `odoo-picking-${picking.id}`,
        source: 'odoo',
        locationId: location ? this.backboneLocation(location.name) : String(many2oneId(picking.location_id)),
        lines: [...lines].map(([sku, quantity]) => ({ lineId: null, sku, quantity })),
        carrier: null,
        trackingNumber: text(picking.carrier_tracking_ref),
        trackingUrl: text(picking.carrier_tracking_url),
        erpPickingId: String(picking.id),
        dispatchedAt: odooMillis(odooDatetimeOrNull(picking.date_done) ?? picking.write_date),
      };
      return { ...this.withEvents(entry, 'ShipmentDispatched', [value]), delivery: { orderId, pickingId: picking.id } };
    });
  }

  /** Envelopes added and checked against the schema; an event the schema refuses is kept as a skipped entry. */
  private withEvents(entry: Omit<WatchEntry, 'events'>, eventType: EventType, values: object[]): WatchEntry {
    const correlationId = randomUUID();
    const events: OutboxEvent[] = values.map((v) => {
      const value = { envelope: buildEnvelope({ eventType, producer: this.options.service, region: this.options.region, correlationId }), ...v };
      return { topic: topicOf(eventType), key: eventKey(eventType, value), eventType, value };
    });
    const issues = events.flatMap((e) => validateEvent(eventType, e.value));
    if (issues.length) {
      this.options.logger.error('Odoo record does not make a valid event; kept as skipped', { dedup_key: entry.dedupKey, issues });
      return { ...entry, events: [], skipReason: `invalid ${eventType}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, detail: events.map((e) => e.value) };
    }
    return { ...entry, events };
  }
}

/** Moves and pickings are watched in state done only, which Odoo never leaves. */
export function dedupKey(model: string, record: ChangedRecord): string {
  return `${model}:${record.id}:${String(record.state ?? 'done')}`;
}
