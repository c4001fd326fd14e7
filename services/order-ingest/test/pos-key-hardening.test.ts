import { randomBytes } from 'node:crypto';
import { createTestDatabase, uniqueName, type TestDatabase } from '@retail-backbone/devstack';
import pg from 'pg';
import { PosApiKeys } from '../src/pos/api-keys';
import { migrate } from '../src/store/migrate';
import { startOrderIngest, type OrderIngestService } from '../src/service';
import { quietLogger, testConfig } from './helpers';

let db: TestDatabase;
let pool: pg.Pool;
const running: OrderIngestService[] = [];

beforeAll(async () => {
  db = await createTestDatabase('order_ingest');
  await migrate(db.url, 'order_ingest');
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
});

afterAll(async () => {
  for (const service of running) await service.stop();
  await pool?.end();
  await db?.drop();
});

function randomKey(): string {
  return `pos_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`;
}

async function start(overrides: Parameters<typeof testConfig>[1] = {}): Promise<{ service: OrderIngestService; url: string }> {
  const service = await startOrderIngest(testConfig(db.url, { runRelay: false, ...overrides }), { logger: quietLogger(), host: '127.0.0.1' });
  running.push(service);
  return { service, url: `http://127.0.0.1:${service.port}` };
}

function postSale(url: string, key: string): Promise<Response> {
  return fetch(`${url}/v1/pos/sales`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      saleId: uniqueName('sale'),
      receiptNumber: 'R-1',
      occurredAt: '2026-11-20T09:30:00+01:00',
      currency: 'EUR',
      lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: '4.50' }],
      payments: [{ tenderId: 't1', method: 'card', amount: '4.50' }],
    }),
  });
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (let attempt = 0; attempt < 500; attempt++) {
    if (await condition()) return;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('POS key hardening', () => {
  it('bounds the cache of failed look-ups so random keys never evict a known key', async () => {
    const keys = new PosApiKeys(pool, 'order_ingest', { cacheMs: 60_000, maxKnown: 10, maxUnknown: 50 });
    const { apiKey } = await keys.create({ estateId: 'e', storeId: 's', locationId: 'l' });
    expect(await keys.verify(apiKey)).toMatchObject({ estateId: 'e' });
    for (let i = 0; i < 200; i++) expect(await keys.verify(randomKey())).toBeNull();
    expect(keys.cachedCounts).toEqual({ known: 1, unknown: 50 });
    expect(await keys.verify(apiKey)).toMatchObject({ storeId: 's' });
  });

  it('stops accepting an expired key, even one that was cached', async () => {
    const keys = new PosApiKeys(pool, 'order_ingest', { cacheMs: 60_000 });
    const { apiKey } = await keys.create({ estateId: 'e', storeId: 's', locationId: 'l', expiresAt: new Date(Date.now() + 400) });
    expect(await keys.verify(apiKey)).not.toBeNull();
    await until(async () => (await keys.verify(apiKey)) === null, 'the key to expire');
    const { apiKey: gone } = await keys.create({ estateId: 'e', storeId: 's', locationId: 'l', expiresAt: new Date(Date.now() - 1000) });
    expect(await keys.verify(gone)).toBeNull();
  });

  it('limits failed key checks per address with 429 before looking the key up', async () => {
    const { url, service } = await start({ posAuthFailuresPerMinute: 5 });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await postSale(url, randomKey())).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const limited = await postSale(url, randomKey());
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { detail: string }).detail).toContain('invalid API keys from this address');
    expect(service.keys.cachedCounts.unknown).toBe(5);
  });

  it('revokes a key at once on every replica through NOTIFY', async () => {
    const a = await start({ posKeyCacheMs: 600_000 });
    const b = await start({ posKeyCacheMs: 600_000 });
    const { apiKey, keyId } = await a.service.keys.create({ estateId: uniqueName('estate'), storeId: 's', locationId: 'l' });
    expect((await postSale(a.url, apiKey)).status).toBe(202);
    expect((await postSale(b.url, apiKey)).status).toBe(202);
    expect(b.service.keys.cachedCounts.known).toBeGreaterThan(0);
    // Revoked through a third instance, as the pos-keys CLI does: neither replica's cache may keep it.
    expect(await new PosApiKeys(pool, 'order_ingest', 0).revoke(keyId)).toBe(true);
    await until(async () => (await postSale(a.url, apiKey)).status === 401 && (await postSale(b.url, apiKey)).status === 401, 'both replicas to refuse the key');
  });
});
