import fc from 'fast-check';
import { uniqueName } from '@retail-backbone/devstack';
import type { EventPayloads, EventType } from '@retail-backbone/contracts';
import type { ProjectionEvent } from '../src/domain/types';
import { rebuildAndCompare } from '../src/rebuild/rebuild';
import { scenario } from './arbitraries';
import { contractEvent } from './events';
import { silentLogger, startHarness, waitFor, type Harness } from './harness';
import { model } from './model';

let h: Harness;
let prefix: string;
const BACKORDER = 'loc-backorder';

beforeAll(async () => {
  prefix = uniqueName('t').replace(/-/g, '');
  h = await startHarness({ locationPolicies: { [`${prefix}-${BACKORDER}`]: 'backorder' } });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

interface Body {
  sku?: string;
  status?: number;
  title?: string;
  locations: Array<{ locationId: string; onHand: number; reserved: number; available: number }>;
  errors: Array<{ pointer: string; detail: string }>;
  items: Array<{ sku: string }>;
  unknownSkus: string[];
}
const read = async (res: Response): Promise<Body> => (await res.json()) as Body;

const loc = (name: string) => `${prefix}-${name}`;
const sku = (name: string) => `${prefix}-${name}`;
const order = (name: string) => `${prefix}-${name}`;

async function send(event: ProjectionEvent): Promise<Buffer> {
  const { eventType, value } = contractEvent(event);
  return h.publish(eventType as EventType, value as EventPayloads[EventType]);
}

async function stock(s: string, l: string): Promise<{ on_hand: number; reserved: number; version: string } | undefined> {
  const result = await h.projector.pool.query('SELECT on_hand, reserved, version FROM inventory_projector.stock WHERE sku = $1 AND location_id = $2', [s, l]);
  return result.rows[0];
}

async function until(s: string, l: string, onHand: number, reserved: number): Promise<void> {
  await waitFor(async () => {
    const row = await stock(s, l);
    return row && row.on_hand === onHand && row.reserved === reserved;
  }, 20_000, `${s}@${l} = ${onHand}/${reserved}`);
}

async function outcome(orderId: string): Promise<string | undefined> {
  const r = await h.projector.pool.query(`SELECT placement->>'outcome' AS outcome FROM inventory_projector.order_reservations WHERE order_id = $1`, [orderId]);
  return r.rows[0]?.outcome ?? undefined;
}

const base = (orderId: string, l: string, lines: Array<[string, number]>): ProjectionEvent => ({
  kind: 'placed',
  orderId,
  locationId: l,
  lines: lines.map(([s, quantity]) => ({ sku: s, quantity })),
});

describe('cross-topic ordering through Kafka and Postgres', () => {
  const A = () => sku('A');
  const L = () => loc('wh');

  beforeAll(async () => {
    await send({ kind: 'movement', sku: A(), locationId: L(), source: 'wms', movementId: `${prefix}-rcpt`, movementType: 'receipt', delta: 20, observedAt: 1_000 });
    await until(A(), L(), 20, 0);
  });

  it('reserves on OrderPlaced and releases on OrderCancelled', async () => {
    await send(base(order('o1'), L(), [[A(), 3]]));
    await until(A(), L(), 20, 3);
    await send({ kind: 'cancelled', orderId: order('o1') });
    await until(A(), L(), 20, 0);
  });

  it('a shipment that arrives before the order: the order reserves only what is not shipped yet', async () => {
    await send({ kind: 'shipped', orderId: order('o2'), shipmentId: `${prefix}-s2`, locationId: L(), lines: [{ sku: A(), quantity: 2 }], dispatchedAt: 2_000 });
    await until(A(), L(), 18, 0);
    await send(base(order('o2'), L(), [[A(), 5]]));
    await until(A(), L(), 18, 3);
    expect(await outcome(order('o2'))).toBe('reserved');
  });

  it('a cancel that arrives before the order: the order never reserves', async () => {
    await send({ kind: 'cancelled', orderId: order('o3') });
    await send(base(order('o3'), L(), [[A(), 4]]));
    await waitFor(() => outcome(order('o3')), 20_000, 'o3 placed');
    expect(await outcome(order('o3'))).toBe('skipped');
    await until(A(), L(), 18, 3);
  });

  it('redelivered and re-published events have no second effect', async () => {
    const bytes = await send(base(order('o4'), L(), [[A(), 1]]));
    await h.publishRaw('OrderPlaced', order('o4'), bytes);
    await send(base(order('o4'), L(), [[A(), 1]]));
    const ship = { kind: 'shipped' as const, orderId: order('o4'), shipmentId: `${prefix}-s4`, locationId: L(), lines: [{ sku: A(), quantity: 1 }], dispatchedAt: 3_000 };
    await send(ship);
    await send(ship);
    await until(A(), L(), 17, 3);
  });

  it('rejects a whole order at a reject location and records StockReservationRejected', async () => {
    await send(base(order('o5'), L(), [[A(), 1], [sku('never-seen'), 1], [A(), 100]]));
    await waitFor(async () => (await outcome(order('o5'))) === 'rejected', 20_000, 'o5 rejected');
    await until(A(), L(), 17, 3);
    const row = await h.projector.pool.query(`SELECT payload FROM inventory_projector.outbox WHERE event_type = 'StockReservationRejected' AND message_key = $1`, [order('o5')]);
    expect(row.rows).toHaveLength(1);
    expect(row.rows[0].payload).toMatchObject({
      orderId: order('o5'),
      reason: 'insufficient_stock',
      shortages: [
        { sku: A(), requested: 101, available: 14 },
        { sku: sku('never-seen'), requested: 1, available: 0 },
      ],
    });
  });

  it('backorders at a backorder location: reserved beyond on hand, available negative in the API', async () => {
    const l = loc(BACKORDER);
    await send(base(order('o6'), l, [[A(), 7]]));
    await until(A(), l, 0, 7);
    const res = await fetch(`http://127.0.0.1:${h.projector.port}/v1/availability/${A()}?location=${l}`);
    expect(res.status).toBe(200);
    expect((await read(res)).locations[0]).toMatchObject({ onHand: 0, reserved: 7, available: -7 });
  });

  it('a snapshot replaces movements observed before it and keeps those after it', async () => {
    const B = sku('B');
    await send({ kind: 'movement', sku: B, locationId: L(), source: 'pos', movementId: `${prefix}-late`, movementType: 'sale', delta: -2, observedAt: 9_000 });
    await send({ kind: 'movement', sku: B, locationId: L(), source: 'pos', movementId: `${prefix}-early`, movementType: 'receipt', delta: 50, observedAt: 1_000 });
    await until(B, L(), 48, 0);
    await send({ kind: 'snapshot', sku: B, locationId: L(), snapshotId: `${prefix}-count`, quantity: 10, asOf: 5_000 });
    await until(B, L(), 8, 0);
    await send({ kind: 'movement', sku: B, locationId: L(), source: 'pos', movementId: `${prefix}-older`, movementType: 'sale', delta: -1, observedAt: 4_000 });
    await send({ kind: 'movement', sku: B, locationId: L(), source: 'pos', movementId: `${prefix}-newer`, movementType: 'receipt', delta: 3, observedAt: 6_000 });
    await until(B, L(), 11, 0);
  });
});

describe('random interleavings end to end', () => {
  it('match the naive model (backorder everywhere, so the delivery order across topics does not matter)', async () => {
    const [s] = fc.sample(scenario, { numRuns: 1, seed: 42 });
    const rename = (e: ProjectionEvent): ProjectionEvent => {
      const r = { ...e } as Record<string, unknown>;
      if ('sku' in e) r.sku = sku(`r-${e.sku}`);
      if ('locationId' in e) r.locationId = loc(`r-${e.locationId}`);
      if ('orderId' in e) r.orderId = order(`r-${e.orderId}`);
      if ('movementId' in e) r.movementId = `${prefix}-${e.movementId}`;
      if ('shipmentId' in e) r.shipmentId = `${prefix}-${e.shipmentId}`;
      if ('snapshotId' in e) r.snapshotId = `${prefix}-${e.snapshotId}`;
      if ('lines' in e) r.lines = e.lines.map((l) => ({ ...l, sku: sku(`r-${l.sku}`) }));
      return r as unknown as ProjectionEvent;
    };
    const locations = ['loc-1', 'loc-2'].map((l) => loc(`r-${l}`));
    await h.projector.pool.query(
      `INSERT INTO inventory_projector.oversell_policy (location_id, policy) SELECT unnest($1::text[]), 'backorder'`,
      [locations],
    );
    const bytesById = new Map<string, { eventType: EventType; key: string; bytes: Buffer }>();
    const distinct: ProjectionEvent[] = [];
    const renamed = new Map<ProjectionEvent, ProjectionEvent>();
    for (const d of s!.deliveries) {
      const e = renamed.get(d.event) ?? rename(d.event);
      renamed.set(d.event, e);
      const known = bytesById.get(d.eventId);
      if (known) {
        await h.publishRaw(known.eventType, known.key, known.bytes);
        continue;
      }
      const { eventType, value } = contractEvent(e);
      const bytes = await h.publish(eventType as EventType, value as EventPayloads[EventType]);
      const key = 'orderId' in e ? e.orderId : `${(e as { sku: string }).sku}@${(e as { locationId: string }).locationId}`;
      bytesById.set(d.eventId, { eventType: eventType as EventType, key, bytes });
      distinct.push(e);
    }
    const expected = model(distinct, () => 'backorder');
    for (const [key, v] of expected.stock) {
      const [s2, l2] = key.split('@') as [string, string];
      if (v.onHand === 0 && v.reserved === 0) continue;
      await until(s2, l2, v.onHand, v.reserved);
    }
    const rows = await h.projector.pool.query(
      `SELECT sku, location_id, on_hand, reserved FROM inventory_projector.stock WHERE location_id = ANY($1::text[]) AND (on_hand <> 0 OR reserved <> 0)`,
      [locations],
    );
    const nonZero = [...expected.stock].filter(([, v]) => v.onHand !== 0 || v.reserved !== 0);
    expect(rows.rows).toHaveLength(nonZero.length);
  });
});

describe('availability events', () => {
  it('coalesce a burst of 100 changes into a few events, the last carrying the final value', async () => {
    const s = sku('burst');
    const l = loc('wh');
    for (let i = 0; i < 100; i++) {
      await send({ kind: 'movement', sku: s, locationId: l, source: 'wms', movementId: `${prefix}-burst-${i}`, movementType: 'receipt', delta: 1, observedAt: 10_000 + i });
    }
    await until(s, l, 100, 0);
    const events = await waitFor(async () => {
      const r = await h.projector.pool.query(
        `SELECT payload FROM inventory_projector.outbox WHERE event_type = 'InventoryAvailabilityChanged' AND message_key = $1 ORDER BY id`,
        [`${s}@${l}`],
      );
      const last = r.rows[r.rows.length - 1]?.payload;
      return last?.onHand === 100 ? r.rows.map((x) => x.payload) : undefined;
    }, 20_000, 'final availability event');
    expect(events.length).toBeLessThan(20);
    expect(events[events.length - 1]).toMatchObject({ sku: s, locationId: l, onHand: 100, reserved: 0, available: 100, cause: 'movement' });
    const versions = events.map((e: { version: number }) => e.version);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    await waitFor(async () => {
      const r = await h.projector.pool.query(`SELECT count(*)::int AS n FROM inventory_projector.outbox WHERE message_key = $1 AND published_at IS NULL`, [`${s}@${l}`]);
      return r.rows[0].n === 0;
    }, 20_000, 'relay published the availability events');
  });
});

describe('availability API', () => {
  const url = (path: string) => `http://127.0.0.1:${h.projector.port}${path}`;
  const A = () => sku('A');

  it('serves all locations of a SKU with an ETag, and 304 for If-None-Match', async () => {
    const res = await fetch(url(`/v1/availability/${A()}`));
    expect(res.status).toBe(200);
    const body = await read(res);
    expect(body.sku).toBe(A());
    expect(body.locations.map((l: { locationId: string }) => l.locationId)).toEqual([loc(BACKORDER), loc('wh')].sort());
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const again = await fetch(url(`/v1/availability/${A()}`), { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    const filtered = await fetch(url(`/v1/availability/${A()}?location=${loc('wh')}`), { headers: { 'If-None-Match': etag } });
    expect(filtered.status).toBe(200);
    expect((await read(filtered)).locations).toHaveLength(1);
  });

  it('answers 404 with a problem body for an unknown SKU', async () => {
    const res = await fetch(url(`/v1/availability/${sku('nope')}`));
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await read(res)).toMatchObject({ status: 404, title: 'Unknown SKU', sku: sku('nope') });
  });

  it('answers 422 naming the field for bad requests', async () => {
    const twice = await fetch(url(`/v1/availability/${A()}?location=a&location=b`));
    expect(twice.status).toBe(422);
    expect((await read(twice)).errors).toEqual([{ pointer: '/query/location', detail: 'must be given once' }]);
    const post = (body: unknown) => fetch(url('/v1/availability/batch'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const empty = await post({ skus: [] });
    expect(empty.status).toBe(422);
    expect((await read(empty)).errors[0]?.pointer).toBe('/skus');
    const wrongType = await post({ skus: ['ok', 5], locations: [''] });
    expect((await read(wrongType)).errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/locations/0', '/skus/1']);
    const malformed = await fetch(url('/v1/availability/batch'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"skus": [' });
    expect(malformed.status).toBe(400);
  });

  it('serves batches with unknown SKUs listed, and 304 on a matching ETag', async () => {
    const body = { skus: [A(), sku('B'), sku('nope')], locations: [loc('wh')] };
    const post = (headers: Record<string, string> = {}) =>
      fetch(url('/v1/availability/batch'), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const res = await post();
    expect(res.status).toBe(200);
    const json = await read(res);
    expect(json.items.map((i: { sku: string }) => i.sku)).toEqual([A(), sku('B')]);
    expect(json.unknownSkus).toEqual([sku('nope')]);
    expect((await post({ 'If-None-Match': res.headers.get('etag')! })).status).toBe(304);
  });
});

describe('rebuild', () => {
  it('replays the topics into a fresh schema that matches the live projection, and reports a tampered key', async () => {
    // Let the relay publish the rejections the rebuild replays decisions from.
    await waitFor(async () => {
      const r = await h.projector.pool.query(`SELECT count(*)::int AS n FROM inventory_projector.outbox WHERE published_at IS NULL AND event_type = 'StockReservationRejected'`);
      return r.rows[0].n === 0;
    }, 20_000, 'rejections published');
    const options = {
      pool: h.projector.pool,
      kafka: h.kafka,
      serde: h.serde,
      schema: h.config.schema,
      service: h.config.service,
      defaultPolicy: h.config.defaultPolicy,
      logger: silentLogger(),
      timeoutMs: 40_000,
    };
    const report = await rebuildAndCompare(options);
    expect(report.differences).toEqual([]);
    expect(report.matches).toBe(true);
    expect(report.eventsApplied).toBeGreaterThan(100);

    await h.projector.pool.query(`UPDATE inventory_projector.stock SET on_hand = on_hand + 1 WHERE sku = $1 AND location_id = $2`, [sku('B'), loc('wh')]);
    const tampered = await rebuildAndCompare(options);
    expect(tampered.matches).toBe(false);
    expect(tampered.differences).toEqual([{ key: `${sku('B')}@${loc('wh')}`, live: { onHand: 12, reserved: 0 }, rebuilt: { onHand: 11, reserved: 0 } }]);
  }, 90_000);
});
