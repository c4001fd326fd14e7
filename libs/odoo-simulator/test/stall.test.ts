import { startOdooSimulator, type RunningOdooSimulator } from '../src';

let sim: RunningOdooSimulator;
beforeAll(async () => {
  sim = await startOdooSimulator({ apiKeys: ['k'] });
});
afterAll(() => sim.stop());
beforeEach(() => sim.control.reset());

const createPartner = (name: string) =>
  fetch(`${sim.url}/json/2/res.partner/create`, {
    method: 'POST',
    headers: { authorization: 'bearer k', 'content-type': 'application/json' },
    body: JSON.stringify({ vals_list: [{ name }] }),
  });
const partners = (name: string) => sim.records('res.partner').filter((p) => p.name === name);

/** Resolves when the call's outcome is known: its status, or 'dropped' for a closed connection. */
const outcome = (call: Promise<Response>) => call.then((r) => r.status, () => 'dropped' as const);

async function until(probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('stalls before the commit: nothing is visible while the call hangs, then it commits and answers', async () => {
  sim.control.injectFault({ kind: 'stall', stage: 'before_commit', holdMs: 1_500, model: 'res.partner', method: 'create' });
  const call = outcome(createPartner('stalled-before'));
  await until(() => sim.stats().busyWorkers === 1);
  expect(partners('stalled-before')).toHaveLength(0);
  expect(await call).toBe(200);
  expect(partners('stalled-before')).toHaveLength(1);
});

it('stalls after the commit: the record exists while the answer is still held', async () => {
  sim.control.injectFault({ kind: 'stall', stage: 'after_commit', holdMs: 1_500, model: 'res.partner', method: 'create' });
  const call = outcome(createPartner('stalled-after'));
  await until(() => partners('stalled-after').length === 1);
  expect(sim.stats().busyWorkers).toBe(1);
  expect(await call).toBe(200);
  expect(partners('stalled-after')).toHaveLength(1);
});

it('kills a worker stalled before the commit at limit_time_real: connection dropped, nothing applied', async () => {
  sim.control.setLimitTimeReal(500);
  sim.control.injectFault({ kind: 'stall', stage: 'before_commit', holdMs: 60_000, model: 'res.partner', method: 'create' });
  expect(await outcome(createPartner('killed-before'))).toBe('dropped');
  expect(partners('killed-before')).toHaveLength(0);
  expect(sim.stats().busyWorkers).toBe(0);
});

it('kills a worker stalled after the commit at limit_time_real: connection dropped, the record stays', async () => {
  sim.control.setLimitTimeReal(500);
  sim.control.injectFault({ kind: 'stall', stage: 'after_commit', holdMs: 60_000, model: 'res.partner', method: 'create' });
  expect(await outcome(createPartner('killed-after'))).toBe('dropped');
  expect(partners('killed-after')).toHaveLength(1);
});

it('rejects an unknown stall stage', async () => {
  const res = await fetch(`${sim.url}/__sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'stall', stage: 'during' }),
  });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: string }).error).toMatch(/fault\.stage/);
});
