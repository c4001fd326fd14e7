import { startOdooSimulator, type RunningOdooSimulator } from '../src';

let sim: RunningOdooSimulator;
beforeAll(async () => {
  sim = await startOdooSimulator({ apiKeys: ['k'], workers: 2, perCallMs: 30, perRecordMs: 1 });
});
afterAll(() => sim.stop());
beforeEach(() => sim.control.reset());

const json2 = (path: string, body: unknown) =>
  fetch(`${sim.url}/json/2/${path}`, { method: 'POST', headers: { authorization: 'bearer k', 'content-type': 'application/json' }, body: JSON.stringify(body) });
const control = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${sim.url}/__sim/${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

it('queues calls beyond the worker count and reports concurrency', async () => {
  // Slow calls so that all six overlap even when the machine is busy.
  sim.control.setCapacity({ perCallMs: 400 });
  try {
    await Promise.all(Array.from({ length: 6 }, () => json2('res.partner/search_count', {})));
  } finally {
    sim.control.setCapacity({ perCallMs: 30 });
  }
  const stats = sim.stats();
  expect(stats.calls['res.partner/search_count']).toBe(6);
  expect(stats.maxConcurrency).toBeGreaterThanOrEqual(3);
  expect(stats.maxBusyWorkers).toBe(2);
  expect(stats.maxQueued).toBeGreaterThanOrEqual(1);
  expect(stats.callsPerSecond).toBeGreaterThan(0);
});

it('rolls back a whole create when one record of the list fails', async () => {
  const res = await json2('res.partner/create', { vals_list: [{ name: 'ok' }, { email: 'no name' }] });
  expect(res.status).toBe(422);
  expect(sim.records('res.partner').map((p) => p.name)).toEqual(['My Company']);
  expect((await (await json2('sale.order/create', { vals_list: [{ partner_id: 1 }] })).json())).toEqual([expect.any(Number)]);
  expect(sim.records('sale.order')[0]!.name).toBe('S00001');
});

it('exposes faults, outage, stats, records, seeding and reset over HTTP', async () => {
  expect((await control('POST', 'faults', { kind: 'nope' })).status).toBe(400);
  expect((await control('POST', 'faults', { kind: 'exception', exceptionName: 'builtins.ZeroDivisionError', message: 'division by zero', count: 2 })).body).toEqual({ id: expect.any(Number) });
  for (let i = 0; i < 2; i += 1) {
    const res = await json2('res.partner/search', {});
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ name: 'builtins.ZeroDivisionError', message: 'division by zero' });
  }
  expect((await json2('res.partner/search', {})).status).toBe(200);

  await control('POST', 'faults', { kind: 'rate_limit', probability: 1, method: 'search_count' });
  expect((await json2('res.partner/search_count', {})).status).toBe(429);
  expect((await json2('res.partner/search_count', {})).status).toBe(429);
  await control('DELETE', 'faults');
  expect((await json2('res.partner/search_count', {})).status).toBe(200);

  expect((await control('POST', 'outage', { mode: 'refused' })).status).toBe(400);
  await control('POST', 'outage', { mode: '503' });
  expect((await json2('res.partner/search_count', {})).status).toBe(503);
  await control('DELETE', 'outage');

  const seeded = await control('POST', 'seed/products', { products: [{ default_code: 'NEW-1', name: 'New', lst_price: 3, qty: 2 }] });
  expect(seeded.body.ids).toEqual([expect.any(Number)]);
  const products = await fetch(`${sim.url}/__sim/records/product.product`).then((r) => r.json() as Promise<Array<{ default_code: string }>>);
  expect(products.map((p) => p.default_code)).toContain('NEW-1');
  // the 503 came from in front of Odoo: it is not counted as a call
  const stats = await control('GET', 'stats');
  expect(stats.body.calls).toMatchObject({ 'res.partner/search': 3, 'res.partner/search_count': 3 });

  await control('POST', 'reset');
  expect(sim.records('product.product').map((p) => p.default_code)).not.toContain('NEW-1');
  expect(sim.stats().total).toBe(0);
});

it('answers late after committing when told to', async () => {
  sim.control.injectFault({ kind: 'timeout', holdMs: 50, timeoutMode: 'late' });
  const res = await json2('res.partner/create', { vals_list: [{ name: 'Late' }] });
  expect(res.status).toBe(200);
  expect(sim.records('res.partner').map((p) => p.name)).toContain('Late');
});
