import { startLoyaltySimulator, type RunningLoyaltySimulator } from '../src';

describe('loyalty platform simulator', () => {
  let sim: RunningLoyaltySimulator;
  const post = (ref: string, body: unknown, key?: string, apiKey = sim.apiKey) =>
    fetch(`${sim.url}/v1/members/${encodeURIComponent(ref)}/transactions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    sim = await startLoyaltySimulator({ ratePerSecond: 1_000 });
  });

  afterAll(async () => {
    await sim.stop();
  });

  beforeEach(async () => {
    await sim.control.reset();
  });

  it('refuses a missing or wrong API key and a transaction without an Idempotency-Key', async () => {
    sim.control.enroll({ memberId: 'LM-1' });
    expect((await post('LM-1', { type: 'earn', points: 5 }, 'k', 'wrong')).status).toBe(401);
    expect((await post('LM-1', { type: 'earn', points: 5 })).status).toBe(400);
    expect(sim.balance('LM-1')).toBe(0);
  });

  it('replays the saved answer for the same key and body, refuses the key with another body, applies once', async () => {
    sim.control.enroll({ memberId: 'LM-1', refs: ['shopify:shop:42'] });
    const first = await post('shopify:shop:42', { type: 'earn', points: 10, reference: 'o1' }, 'k1');
    expect(first.status).toBe(201);
    const again = await post('shopify:shop:42', { type: 'earn', points: 10, reference: 'o1' }, 'k1');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
    expect((await post('shopify:shop:42', { type: 'earn', points: 11, reference: 'o1' }, 'k1')).status).toBe(422);
    expect(sim.balance('LM-1')).toBe(10);
    expect(sim.transactions('LM-1')).toHaveLength(1);
  });

  it('refuses to take a balance below zero, and replays that refusal for its key', async () => {
    sim.control.enroll({ memberId: 'LM-1' });
    await post('LM-1', { type: 'earn', points: 10 }, 'e1');
    const refused = await post('LM-1', { type: 'redeem', points: 11 }, 'r1');
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('insufficient_points');
    await post('LM-1', { type: 'earn', points: 5 }, 'e2');
    // The saved refusal is answered again, though the balance would now cover it.
    expect((await post('LM-1', { type: 'redeem', points: 11 }, 'r1')).status).toBe(422);
    expect(sim.balance('LM-1')).toBe(15);
    expect((await post('nobody', { type: 'earn', points: 1 }, 'u1')).status).toBe(404);
  });

  it('applies but drops the answer on reset-after-apply; the key finds the transaction afterwards', async () => {
    sim.control.enroll({ memberId: 'LM-1' });
    sim.control.injectFault({ kind: 'reset-after-apply' });
    await expect(post('LM-1', { type: 'earn', points: 7 }, 'amb')).rejects.toThrow();
    const found = await fetch(`${sim.url}/v1/transactions/by-idempotency-key/amb`, { headers: { authorization: `Bearer ${sim.apiKey}` } });
    expect(found.status).toBe(200);
    expect(sim.balance('LM-1')).toBe(7);
    // A 503 fault leaves the key free: the retry applies.
    sim.control.injectFault({ kind: 'error-503' });
    expect((await post('LM-1', { type: 'earn', points: 1 }, 'k503')).status).toBe(503);
    expect((await post('LM-1', { type: 'earn', points: 1 }, 'k503')).status).toBe(201);
    expect(sim.balance('LM-1')).toBe(8);
  });

  it('answers 429 with Retry-After beyond its rate limit, and refuses connections during a refused outage', async () => {
    sim.control.enroll({ memberId: 'LM-1' });
    sim.control.setRateLimit(2);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await post('LM-1', { type: 'earn', points: 1 }, `rl${i}`));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(sim.stats().rateLimited).toBeGreaterThanOrEqual(1);
    sim.control.setRateLimit(1_000);
    await sim.control.setOutage('refused');
    await expect(post('LM-1', { type: 'earn', points: 1 }, 'out')).rejects.toThrow();
    await sim.control.setOutage(null);
    expect((await post('LM-1', { type: 'earn', points: 1 }, 'out')).status).toBe(201);
  });
});
