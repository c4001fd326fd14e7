import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { availabilityGuard, parseAvailabilityAuth, type AvailabilityAuth } from '../src/api/auth';
import { AvailabilityCache } from '../src/api/availability-cache';
import type { AvailabilitySource, LocationAvailability } from '../src/api/queries';
import { configFromEnv } from '../src/config';

const STORE_NEW = 'storefront-token-new-0123456789';
const STORE_OLD = 'storefront-token-old-0123456789';
const POS = 'pos-estate-token-0123456789abcd';

const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
});

async function serve(auth: AvailabilityAuth, ratePerSecond: number, failuresPerMinute = 20): Promise<{ url: string; refused: string[] }> {
  const refused: string[] = [];
  const app = express();
  app.use('/v1/availability', availabilityGuard({ auth, ratePerSecond, failuresPerMinute, onRefused: (reason) => refused.push(reason) }));
  app.get('/v1/availability/:sku', (_req, res) => void res.json({ channel: res.locals.channel ?? null }));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, refused };
}

function get(url: string, token?: string): Promise<Response> {
  return fetch(`${url}/v1/availability/SKU-1`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

const TOKENS = parseAvailabilityAuth(undefined, JSON.stringify({ storefront: [STORE_NEW, STORE_OLD], pos: POS })) as AvailabilityAuth;

describe('availability API authentication', () => {
  it('accepts both tokens of a channel during a rotation and names the channel they belong to', async () => {
    const { url } = await serve(TOKENS, 1_000);
    expect(await (await get(url, STORE_OLD)).json()).toEqual({ channel: 'storefront' });
    expect(await (await get(url, STORE_NEW)).json()).toEqual({ channel: 'storefront' });
    expect(await (await get(url, POS)).json()).toEqual({ channel: 'pos' });
  });

  it('refuses a missing or wrong token with a 401 problem and counts each reason', async () => {
    const { url, refused } = await serve(TOKENS, 1_000);
    const missing = await get(url);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect(((await missing.json()) as { detail: string }).detail).toContain('Authorization: Bearer');
    expect((await get(url, 'not-a-token-at-all-0123456789')).status).toBe(401);
    expect(refused).toEqual(['missing_token', 'invalid_token']);
  });

  it('rate-limits per channel with 429 and Retry-After, and stops checking tokens from an address that keeps failing', async () => {
    const { url } = await serve(TOKENS, 3, 4);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await get(url, POS)).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
    const limited = await get(url, POS);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    const other = await serve(TOKENS, 1_000, 3);
    const failures: number[] = [];
    for (let i = 0; i < 5; i++) failures.push((await get(other.url, `wrong-token-${i}-0123456789abcdefgh`)).status);
    expect(failures).toEqual([401, 401, 401, 429, 429]);
    expect(other.refused.slice(3)).toEqual(['auth_rate_limited', 'auth_rate_limited']);
  });

  it('reads the mode and tokens from the environment with clear errors', () => {
    const base = { DATABASE_URL: 'postgres://h/db', KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081' };
    expect(configFromEnv(base).availabilityAuth).toEqual({ mode: 'none' });
    expect(configFromEnv({ ...base, AVAILABILITY_API_AUTH: 'ingress' }).availabilityAuth).toEqual({ mode: 'ingress' });
    expect(configFromEnv({ ...base, AVAILABILITY_API_TOKENS: `{"pos": "${POS}"}` }).availabilityAuth).toEqual({ mode: 'tokens', tokens: [{ channel: 'pos', token: POS }] });
    expect(() => configFromEnv({ ...base, AVAILABILITY_API_AUTH: 'tokens' })).toThrow('AVAILABILITY_API_TOKENS: is required when AVAILABILITY_API_AUTH=tokens');
    expect(() => configFromEnv({ ...base, AVAILABILITY_API_TOKENS: '{"pos": "short"}' })).toThrow('AVAILABILITY_API_TOKENS pos: each token must be at least 24 characters');
    expect(() => configFromEnv({ ...base, AVAILABILITY_API_AUTH: 'basic' })).toThrow("AVAILABILITY_API_AUTH: must be one of 'tokens', 'ingress', 'none'");
  });
});

describe('availability cache and unknown SKUs', () => {
  it('does not cache unknown SKUs, so random SKUs cannot evict known ones', async () => {
    const known: LocationAvailability = { locationId: 'l1', onHand: 5, reserved: 0, available: 5, version: 1, updatedAt: '2026-01-01T00:00:00.000Z' };
    let reads = 0;
    const source: AvailabilitySource = {
      bySku: async () => [],
      batch: async (skus) => {
        reads += 1;
        return new Map(skus.filter((s) => s === 'REAL').map((s) => [s, [known]] as const));
      },
    };
    const cache = new AvailabilityCache(source, 2);
    cache.listening();
    expect(await cache.bySku('REAL', null)).toEqual([known]);
    for (let i = 0; i < 50; i++) expect(await cache.bySku(`RANDOM-${i}`, null)).toEqual([]);
    const before = reads;
    expect(await cache.bySku('REAL', null)).toEqual([known]);
    expect(reads).toBe(before);
  });
});
