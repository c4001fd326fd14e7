import type pg from 'pg';
import { Catalog, qualified, SCHEMAS } from './sources/database';
import type { DeadLetter, DeadLetters } from './sources/dead-letters';
import type { OdooDocuments, OdooSaleOrder } from './sources/odoo';

/** What an id given to `where` (or the console's search box) turned out to be. */
export type MatchKind = 'order id' | 'channel order id' | 'channel order number' | 'correlation id' | 'odoo sale order';

export interface OrderMatch {
  orderId: string;
  matchedBy: MatchKind;
}

export interface TimelineEvent {
  at: string;
  publishedAt: string | null;
  eventType: string;
  eventId: string;
  producer: string;
  schema: string;
  topic: string;
  key: string;
  correlationId: string | null;
  traceId: string | null;
  /** Where the event landed, as recorded by the consumers' inbox rows (the outbox does not know it). */
  partition: number | null;
  offset: string | null;
  consumers: Array<{ group: string; processedAt: string }>;
  lastError: string | null;
}

export interface Timeline {
  orderId: string;
  matchedBy: MatchKind;
  order: { channel: string; channelId: string; channelOrderId: string; channelOrderNumber: string | null; placed: boolean; cancelled: boolean } | null;
  events: TimelineEvent[];
  erp: {
    status: string;
    odooOrderId: number | null;
    odooOrderName: string | null;
    odooState: string | null;
    attempts: number;
    updatedAt: string;
    operations: Array<{ operation: string; reference: string; odooResId: number | null; syncedAt: string }>;
  } | null;
  effects: Array<{ schema: string; key: string; kind: string; state: string; attempts: number; lastError: string | null; updatedAt: string }>;
  odoo: { saleOrders: OdooSaleOrder[] } | { unavailable: string };
  parked: Array<{ id: string; eventType: string; status: string; reason: string; errorMessage: string; attempts: number; nextAttemptAt: string; createdAt: string }>;
  deadLetters: DeadLetter[];
  rejections: Array<{ rejectionId: string; channel: string; reasonCode: string; httpStatus: number; receivedAt: string; correlationId: string }>;
  conflicts: Array<{ id: string; kind: string; externalId: string; receivedAt: string; resolvedAt: string | null }>;
  traceIds: string[];
}

export interface TimelineSources {
  pool: pg.Pool;
  catalog: Catalog;
  deadLetters?: DeadLetters;
  odoo?: OdooDocuments;
}

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

/** trace id of a W3C traceparent (`00-<trace id>-<span id>-<flags>`). */
export function traceIdOf(traceContext: unknown): string | null {
  const traceparent = (traceContext as { traceparent?: unknown } | null)?.traceparent;
  if (typeof traceparent !== 'string') return null;
  const parts = traceparent.split('-');
  return parts.length === 4 && /^[0-9a-f]{32}$/.test(parts[1]!) && !/^0+$/.test(parts[1]!) ? parts[1]! : null;
}

/**
 * Every order an id can name. Checked in order of how specific the id is; each lookup reads a
 * table the owning service keeps (ingest's orders and facts, the events in its outbox, the
 * writer's Odoo names), so an order is found as long as one of them still holds it.
 */
export async function findOrders(sources: TimelineSources, rawId: string): Promise<OrderMatch[]> {
  const id = rawId.trim();
  if (!id) return [];
  const { pool, catalog } = sources;
  const found = new Map<string, MatchKind>();
  const add = (rows: Array<{ order_id: string }>, kind: MatchKind) => rows.forEach((r) => found.has(r.order_id) || found.set(r.order_id, kind));
  const ingestOrders = (await catalog.has(SCHEMAS.ingest, 'orders')) ? qualified(SCHEMAS.ingest, 'orders') : undefined;
  const writerOrders = (await catalog.has(SCHEMAS.writer, 'orders')) ? qualified(SCHEMAS.writer, 'orders') : undefined;

  if (ingestOrders) add((await pool.query(`SELECT order_id::text FROM ${ingestOrders} WHERE order_id::text = $1`, [id])).rows, 'order id');
  if (writerOrders) add((await pool.query(`SELECT order_id FROM ${writerOrders} WHERE order_id = $1`, [id])).rows, 'order id');
  if (found.size > 0) return toMatches(found);

  if (ingestOrders) add((await pool.query(`SELECT order_id::text FROM ${ingestOrders} WHERE channel_order_id = $1`, [id])).rows, 'channel order id');
  if ((await catalog.has(SCHEMAS.ingest, 'outbox')) && found.size === 0) {
    // Shopify's `name` is '#1001' but people type 1001; WooCommerce numbers have no '#'.
    const numbers = id.startsWith('#') ? [id, id.slice(1)] : [id, `#${id}`];
    add(
      (
        await pool.query(
          `SELECT DISTINCT payload->>'orderId' AS order_id FROM ${qualified(SCHEMAS.ingest, 'outbox')}
            WHERE event_type = 'OrderPlaced' AND payload->>'channelOrderNumber' = ANY($1::text[])`,
          [numbers],
        )
      ).rows,
      'channel order number',
    );
  }
  if (found.size > 0) return toMatches(found);

  if (await catalog.has(SCHEMAS.ingest, 'channel_facts')) {
    add((await pool.query(`SELECT DISTINCT order_id::text FROM ${qualified(SCHEMAS.ingest, 'channel_facts')} WHERE correlation_id = $1`, [id])).rows, 'correlation id');
  }
  if (found.size === 0) {
    for (const schema of await catalog.schemasWith('outbox')) {
      const { rows } = await pool.query<{ order_id: string }>(
        `SELECT DISTINCT payload->>'orderId' AS order_id FROM ${qualified(schema, 'outbox')} WHERE correlation_id = $1 AND payload ? 'orderId'`,
        [id],
      );
      add(rows, 'correlation id');
    }
  }
  if (found.size > 0) return toMatches(found);

  if (writerOrders) add((await pool.query(`SELECT order_id FROM ${writerOrders} WHERE odoo_order_name = $1`, [id])).rows, 'odoo sale order');
  if (found.size === 0 && sources.odoo && /^[A-Za-z]{1,8}\/?\d+$|^S\d+$/.test(id)) {
    // The writer's row may be gone (retention) while Odoo still has the document.
    for (const so of await sources.odoo.saleOrders({ name: id }).catch(() => [])) {
      if (so.clientOrderRef) add([{ order_id: so.clientOrderRef }], 'odoo sale order');
    }
  }
  return toMatches(found);
}

export type RejectionSummary = Timeline['rejections'][number];

/** Refused payloads that carried this id (a rejected order never becomes an order). */
export async function findRejections(sources: TimelineSources, rawId: string): Promise<RejectionSummary[]> {
  const id = rawId.trim();
  if (!id || !(await sources.catalog.has(SCHEMAS.ingest, 'rejections'))) return [];
  const { rows } = await sources.pool.query(
    `SELECT rejection_id::text, channel, reason_code, http_status, received_at, correlation_id FROM ${qualified(SCHEMAS.ingest, 'rejections')}
      WHERE external_id = $1 OR correlation_id = $1 OR rejection_id::text = $1 ORDER BY received_at`,
    [id],
  );
  return rows.map(rejectionSummary);
}

function rejectionSummary(r: { rejection_id: string; channel: string; reason_code: string; http_status: number; received_at: Date; correlation_id: string }): RejectionSummary {
  return { rejectionId: r.rejection_id, channel: r.channel, reasonCode: r.reason_code, httpStatus: r.http_status, receivedAt: iso(r.received_at)!, correlationId: r.correlation_id };
}

function toMatches(found: Map<string, MatchKind>): OrderMatch[] {
  return [...found].map(([orderId, matchedBy]) => ({ orderId, matchedBy }));
}

export async function buildTimeline(sources: TimelineSources, match: OrderMatch): Promise<Timeline> {
  const { pool, catalog } = sources;
  const { orderId } = match;
  const timeline: Timeline = {
    orderId,
    matchedBy: match.matchedBy,
    order: null,
    events: [],
    erp: null,
    effects: [],
    odoo: { unavailable: 'Odoo is not configured for the console (ODOO_URL, ODOO_DATABASE, ODOO_API_KEY)' },
    parked: [],
    deadLetters: [],
    rejections: [],
    conflicts: [],
    traceIds: [],
  };

  const correlationIds = new Set<string>();
  for (const schema of await catalog.schemasWith('outbox')) {
    const { rows } = await pool.query<{
      created_at: Date;
      published_at: Date | null;
      event_type: string;
      event_id: string;
      topic: string;
      message_key: string;
      correlation_id: string | null;
      trace_context: unknown;
      producer: string | null;
      last_error: string | null;
    }>(
      `SELECT created_at, published_at, event_type, event_id, topic, message_key, correlation_id, trace_context,
              payload->'envelope'->>'producer' AS producer, last_error
         FROM ${qualified(schema, 'outbox')}
        WHERE message_key = $1 OR payload->>'orderId' = $1`,
      [orderId],
    );
    for (const row of rows) {
      if (row.correlation_id) correlationIds.add(row.correlation_id);
      timeline.events.push({
        at: iso(row.created_at)!,
        publishedAt: iso(row.published_at),
        eventType: row.event_type,
        eventId: row.event_id,
        producer: row.producer ?? schema.replace(/_/g, '-'),
        schema,
        topic: row.topic,
        key: row.message_key,
        correlationId: row.correlation_id,
        traceId: traceIdOf(row.trace_context),
        partition: null,
        offset: null,
        consumers: [],
        lastError: row.last_error,
      });
    }
  }
  timeline.events.sort((a, b) => a.at.localeCompare(b.at) || a.eventId.localeCompare(b.eventId));
  timeline.traceIds = [...new Set(timeline.events.map((e) => e.traceId).filter((t): t is string => t !== null))];

  const byEventId = new Map(timeline.events.map((e) => [e.eventId, e]));
  if (byEventId.size > 0) {
    for (const schema of await catalog.schemasWith('inbox')) {
      const { rows } = await pool.query<{ consumer_group: string; event_id: string; kafka_partition: number; kafka_offset: string; processed_at: Date }>(
        `SELECT consumer_group, event_id, kafka_partition, kafka_offset::text, processed_at FROM ${qualified(schema, 'inbox')} WHERE event_id = ANY($1::text[])`,
        [[...byEventId.keys()]],
      );
      for (const row of rows) {
        const event = byEventId.get(row.event_id)!;
        event.partition = row.kafka_partition;
        event.offset = row.kafka_offset;
        event.consumers.push({ group: row.consumer_group, processedAt: iso(row.processed_at)! });
      }
    }
  }

  if (await catalog.has(SCHEMAS.ingest, 'orders')) {
    const { rows } = await pool.query(
      `SELECT o.channel, o.channel_id, o.channel_order_id, o.placed, o.cancelled,
              (SELECT payload->>'channelOrderNumber' FROM ${qualified(SCHEMAS.ingest, 'outbox')} x
                WHERE x.message_key = o.order_id::text AND x.event_type = 'OrderPlaced' LIMIT 1) AS channel_order_number
         FROM ${qualified(SCHEMAS.ingest, 'orders')} o WHERE o.order_id::text = $1`,
      [orderId],
    );
    const row = rows[0];
    if (row) {
      timeline.order = {
        channel: row.channel,
        channelId: row.channel_id,
        channelOrderId: row.channel_order_id,
        channelOrderNumber: row.channel_order_number,
        placed: row.placed,
        cancelled: row.cancelled,
      };
    }
  }

  if (await catalog.has(SCHEMAS.writer, 'orders')) {
    const { rows } = await pool.query(`SELECT * FROM ${qualified(SCHEMAS.writer, 'orders')} WHERE order_id = $1`, [orderId]);
    const row = rows[0];
    if (row) {
      const operations = (await catalog.has(SCHEMAS.writer, 'operations'))
        ? (await pool.query(`SELECT operation, reference, odoo_res_id, synced_at FROM ${qualified(SCHEMAS.writer, 'operations')} WHERE order_id = $1 ORDER BY synced_at`, [orderId])).rows
        : [];
      timeline.erp = {
        status: row.status,
        odooOrderId: row.odoo_order_id,
        odooOrderName: row.odoo_order_name,
        odooState: row.odoo_state,
        attempts: row.attempts,
        updatedAt: iso(row.updated_at)!,
        operations: operations.map((o) => ({ operation: o.operation, reference: o.reference, odooResId: o.odoo_res_id, syncedAt: iso(o.synced_at)! })),
      };
    }
  }

  for (const schema of await catalog.schemasWith('outside_effects')) {
    const { rows } = await pool.query(
      `SELECT effect_key, kind, state, attempts, last_error, updated_at FROM ${qualified(schema, 'outside_effects')} WHERE aggregate_key = $1 ORDER BY id`,
      [orderId],
    );
    for (const r of rows) timeline.effects.push({ schema, key: r.effect_key, kind: r.kind, state: r.state, attempts: r.attempts, lastError: r.last_error, updatedAt: iso(r.updated_at)! });
  }

  if (sources.odoo) {
    try {
      timeline.odoo = { saleOrders: await sources.odoo.saleOrders({ orderId }) };
    } catch (error) {
      timeline.odoo = { unavailable: `Odoo lookup failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  if (await catalog.has(SCHEMAS.writer, 'parked')) {
    const { rows } = await pool.query(
      `SELECT id::text, event_type, status, reason, error_message, attempts, next_attempt_at, created_at FROM ${qualified(SCHEMAS.writer, 'parked')} WHERE order_id = $1 ORDER BY id`,
      [orderId],
    );
    timeline.parked = rows.map((r) => ({
      id: r.id,
      eventType: r.event_type,
      status: r.status,
      reason: r.reason,
      errorMessage: r.error_message,
      attempts: r.attempts,
      nextAttemptAt: iso(r.next_attempt_at)!,
      createdAt: iso(r.created_at)!,
    }));
  }

  if (sources.deadLetters) timeline.deadLetters = await sources.deadLetters.list({ key: orderId });

  if (await catalog.has(SCHEMAS.ingest, 'rejections')) {
    const externalIds = timeline.order ? [timeline.order.channelOrderId] : [];
    const { rows } = await pool.query(
      `SELECT rejection_id::text, channel, reason_code, http_status, received_at, correlation_id FROM ${qualified(SCHEMAS.ingest, 'rejections')}
        WHERE external_id = ANY($1::text[]) OR correlation_id = ANY($2::text[]) ORDER BY received_at`,
      [externalIds, [...correlationIds]],
    );
    timeline.rejections = rows.map(rejectionSummary);
  }

  if (await catalog.has(SCHEMAS.ingest, 'fact_conflicts')) {
    const { rows } = await pool.query(
      `SELECT id::text, kind, external_id, received_at, resolved_at FROM ${qualified(SCHEMAS.ingest, 'fact_conflicts')} WHERE order_id::text = $1 ORDER BY id`,
      [orderId],
    );
    timeline.conflicts = rows.map((r) => ({ id: r.id, kind: r.kind, externalId: r.external_id, receivedAt: iso(r.received_at)!, resolvedAt: iso(r.resolved_at) }));
  }
  return timeline;
}
