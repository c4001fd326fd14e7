import { uniqueName } from '@retail-backbone/devstack';
import { signBase64Hmac } from '../src/auth/signatures';
import { startOrderIngest, type OrderIngestService } from '../src/service';
import { fixture, quietLogger, SECRETS, startHarness, testConfig, type Harness } from './helpers';

let h: Harness;
let apiKey: string;
const estate = uniqueName('estate');

beforeAll(async () => {
  h = await startHarness();
  apiKey = (await h.service.keys.create({ estateId: estate, storeId: 'berlin-01', locationId: 'store-berlin-01' })).apiKey;
});

afterAll(async () => {
  await h?.close();
});

function sale(saleId: string, overrides: Record<string, unknown> = {}) {
  return {
    saleId,
    receiptNumber: `R-${saleId}`,
    occurredAt: '2026-11-20T09:30:00+01:00',
    currency: 'EUR',
    lines: [
      { sku: 'SKU-1', name: 'Mug', quantity: 2, unitPrice: '9.95', tax: '3.18' },
      { sku: 'SKU-2', quantity: 1, unitPrice: '4.50', discount: '0.50' },
    ],
    payments: [{ tenderId: 't1', method: 'card', amount: '23.90' }],
    ...overrides,
  };
}

async function outboxRows(orderId: string): Promise<number> {
  const { rows } = await h.service.pool.query<{ n: string }>('SELECT count(*) AS n FROM order_ingest.outbox WHERE message_key = $1', [orderId]);
  return Number(rows[0]!.n);
}

function post(path: string, body: unknown, headers: Record<string, string> = {}, key = apiKey, base = h.url): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('POS API', () => {
  it('accepts a sale (OrderPlaced + PaymentCaptured) and replays an Idempotency-Key; another body under it is 409', async () => {
    const body = sale(uniqueName('s'));
    const res = await post('/v1/pos/sales', body, { 'idempotency-key': 'k-1' });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { orderId: string; correlationId: string };
    const replay = await post('/v1/pos/sales', body, { 'idempotency-key': 'k-1' });
    expect(replay.status).toBe(202);
    expect(await replay.json()).toEqual(accepted);

    const reused = await post('/v1/pos/sales', { ...body, receiptNumber: 'other' }, { 'idempotency-key': 'k-1' });
    expect(reused.status).toBe(409);
    expect(((await reused.json()) as { detail: string }).detail).toMatch(/different body/);

    await h.events.waitFor(() => h.events.forKey(accepted.orderId).length === 2);
    const types = h.events.forKey(accepted.orderId).map((e) => `${e.topic}:${e.event.eventType}`);
    expect(types.sort()).toEqual(['retail.orders.v1:OrderPlaced', 'retail.payments.v1:PaymentCaptured']);
    const placed = h.events.forKey(accepted.orderId).find((e) => e.event.eventType === 'OrderPlaced')!.event.value as unknown as {
      storeId: string;
      totals: { grandTotal: { amount: string } };
      financialStatus: string;
    };
    expect(placed).toMatchObject({ storeId: 'berlin-01', totals: { grandTotal: { amount: '23.90' } }, financialStatus: 'paid' });
  });

  it('refuses a known sale id with changed content as a whole (409), emitting none of its new tenders', async () => {
    const saleId = uniqueName('s');
    const first = (await (await post('/v1/pos/sales', sale(saleId))).json()) as { orderId: string };
    const changed = sale(saleId, { receiptNumber: 'changed', payments: [{ tenderId: 't1', method: 'card', amount: '23.90' }, { tenderId: 't2', method: 'cash', amount: '1.00' }] });
    const res = await post('/v1/pos/sales', changed);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { orderId: string }).orderId).toBe(first.orderId);
    await h.events.waitFor(() => h.events.forKey(first.orderId).length === 2);
    // The outbox is what the relay publishes from: the refused sale added no row to it.
    expect(await outboxRows(first.orderId)).toBe(2);
  });

  it('refuses unknown keys, unknown currencies and negative quantities with field pointers', async () => {
    expect((await post('/v1/pos/sales', sale('x'), {}, 'pos_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(401);
    const res = await post('/v1/pos/sales', sale(uniqueName('s'), { currency: 'EUX', lines: [{ sku: 'A', quantity: -1, unitPrice: '1.00' }] }));
    expect(res.status).toBe(422);
    const problem = (await res.json()) as { errors: Array<{ pointer: string }> };
    expect(problem.errors.map((e) => e.pointer).sort()).toEqual(['/currency', '/lines/0/quantity']);
  });

  it('records a return as ReturnReceived + PaymentRefunded keyed by the original sale', async () => {
    const saleId = uniqueName('s');
    const placed = (await (await post('/v1/pos/sales', sale(saleId))).json()) as { orderId: string };
    const res = await post('/v1/pos/returns', {
      returnId: uniqueName('r'),
      saleId,
      occurredAt: '2026-11-21T10:00:00Z',
      currency: 'EUR',
      lines: [{ sku: 'SKU-1', quantity: 1, refundAmount: '9.95', reason: 'unwanted' }],
      refunds: [{ tenderId: 'r1', method: 'cash', amount: '9.95' }],
    });
    expect(res.status).toBe(202);
    expect(((await res.json()) as { orderId: string }).orderId).toBe(placed.orderId);
    await h.events.waitFor(() => h.events.forKey(placed.orderId).some((e) => e.event.eventType === 'PaymentRefunded'));
    expect(h.events.forKey(placed.orderId).map((e) => e.event.eventType)).toEqual(expect.arrayContaining(['ReturnReceived', 'PaymentRefunded']));
  });

  it('uploads an offline batch of 2,000 sales with per-item statuses; only valid ones are emitted, once', async () => {
    const prefix = uniqueName('b');
    const items: unknown[] = [];
    for (let i = 0; i < 2_000; i++) {
      if (i % 50 === 7) items.push(sale(`${prefix}-${i}`, { currency: 'ZZZ' }));
      else if (i % 50 === 13) items.push({ saleId: `${prefix}-${i}`, lines: [] });
      else items.push(sale(`${prefix}-${i}`));
    }
    const res = await post('/v1/pos/sales/batch', { items });
    expect(res.status).toBe(207);
    const body = (await res.json()) as {
      summary: Record<string, number>;
      items: Array<{ index: number; status: number; outcome: string; orderId?: string; errors?: Array<{ pointer: string }> }>;
    };
    expect(body.summary).toEqual({ accepted: 1_920, duplicate: 0, conflict: 0, invalid: 80 });
    expect(body.items[7]).toMatchObject({ status: 422, outcome: 'invalid', errors: [{ pointer: '/items/7/currency' }] });
    expect(body.items[8]).toMatchObject({ status: 202, outcome: 'accepted' });

    // The till retries the whole upload: nothing is emitted again.
    const retry = (await (await post('/v1/pos/sales/batch', { items })).json()) as { summary: Record<string, number> };
    expect(retry.summary).toEqual({ accepted: 0, duplicate: 1_920, conflict: 0, invalid: 80 });

    const orderIds = new Set(body.items.filter((i) => i.outcome === 'accepted').map((i) => i.orderId!));
    const placedFor = () => h.events.received.filter((r) => r.event.eventType === 'OrderPlaced' && orderIds.has(r.key));
    await h.events.waitFor(() => new Set(placedFor().map((r) => r.key)).size === 1_920, 60_000);
    // Exactly one OrderPlaced per sale was written for the relay, the retried upload added none.
    const { rows } = await h.service.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM order_ingest.outbox WHERE event_type = 'OrderPlaced' AND message_key = ANY($1)`,
      [[...orderIds]],
    );
    expect(Number(rows[0]!.n)).toBe(1_920);
  });

  it('keeps a 5 MB refused batch whole in PostgreSQL, announces it with a bounded excerpt, and keeps publishing', async () => {
    // Malformed JSON: the whole upload is one rejection, 5 MB of it.
    const body = `{"items":[${JSON.stringify(sale(uniqueName('s')))},`.padEnd(5 * 1024 * 1024, ' ') + '!';
    const refused = await post('/v1/pos/sales/batch', body);
    expect(refused.status).toBe(422);
    const { rejectionId } = (await refused.json()) as { rejectionId: string };
    const { rows } = await h.service.pool.query<{ size: number }>('SELECT octet_length(payload) AS size FROM order_ingest.rejections WHERE rejection_id = $1', [rejectionId]);
    expect(rows[0]!.size).toBe(Buffer.byteLength(body));

    // A sale sent after it is published: the outbox did not stall behind the big rejection.
    const after = (await (await post('/v1/pos/sales', sale(uniqueName('s')))).json()) as { orderId: string };
    await h.events.waitFor(() => h.events.forKey(after.orderId).some((e) => e.event.eventType === 'OrderPlaced'));
    const rejectedEvent = () => h.events.received.find((r) => r.event.eventType === 'IngestRejected' && (r.event.value as { rejectionId?: string }).rejectionId === rejectionId);
    await h.events.waitFor(() => rejectedEvent() !== undefined);
    const value = rejectedEvent()!.event.value as unknown as { payload: Buffer; payloadTruncated: boolean; payloadSize: number; payloadRef: string };
    expect(value.payloadTruncated).toBe(true);
    expect(value.payloadSize).toBe(Buffer.byteLength(body));
    expect(value.payload.length).toBe(64 * 1024);
    expect(value.payloadRef).toBe(`order-ingest:rejections/${rejectionId}`);
    const { rows: parked } = await h.service.pool.query<{ n: string }>('SELECT count(*) AS n FROM order_ingest.outbox WHERE published_at IS NULL AND retry_at IS NOT NULL');
    expect(Number(parked[0]!.n)).toBe(0);
  });

  it('answers 413 for a batch over the item limit', async () => {
    const res = await post('/v1/pos/sales/batch', { items: Array.from({ length: 5_001 }, () => ({})) });
    expect(res.status).toBe(413);
  });
});

describe('limits and outages', () => {
  let limited: OrderIngestService | undefined;
  let dead: OrderIngestService | undefined;

  afterAll(async () => {
    await limited?.stop();
    await dead?.stop();
  });

  it('rate-limits per API key with 429 and Retry-After', async () => {
    limited = await startOrderIngest(testConfig(h.db.url, { runRelay: false, limits: { ...testConfig('').limits, posRatePerSecond: 2 } }), {
      logger: quietLogger(),
      host: '127.0.0.1',
    });
    const base = `http://127.0.0.1:${limited.port}`;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post('/v1/pos/sales', sale(uniqueName('s')), {}, apiKey, base)).status);
    expect(statuses.slice(0, 2)).toEqual([202, 202]);
    expect(statuses).toContain(429);
    const res = await post('/v1/pos/sales', sale(uniqueName('s')), {}, apiKey, base);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('answers 503 with Retry-After when the database is unreachable', async () => {
    dead = await startOrderIngest(testConfig('postgres://nobody:none@127.0.0.1:1/none', { runRelay: false }), {
      logger: quietLogger(),
      host: '127.0.0.1',
      migrate: false,
    });
    const body = fixture('shopify_orders-create.webhook.json');
    const res = await fetch(`http://127.0.0.1:${dead.port}/webhooks/shopify`, {
      method: 'POST',
      headers: {
        'x-shopify-topic': 'orders/create',
        'x-shopify-shop-domain': 'down.myshopify.com',
        'x-shopify-hmac-sha256': signBase64Hmac(body, SECRETS.shopify),
      },
      body,
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { type: string }).type).toContain('service-unavailable');
    expect((await fetch(`http://127.0.0.1:${dead.port}/readyz`)).status).toBe(503);
  });
});
