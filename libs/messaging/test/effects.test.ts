import { uniqueName } from '@retail-backbone/devstack';
import { ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import { EffectExecutor, migrateEffects, type ClaimedEffect, type EffectDefinition, type EffectOutcome, type IntendedEffect } from '../src';
import { buildCommand } from '../src/cli/effects';
import { EffectStore } from '../src/effects/store';
import { capturingLogger, inTx, migratedDatabase, registry, SCHEMA, waitFor, type TestDb } from './helpers';

let t: TestDb;
const store = new EffectStore(SCHEMA);
const executors: EffectExecutor[] = [];

beforeAll(async () => {
  t = await migratedDatabase('effects');
  await migrateEffects({ databaseUrl: t.db.url, schema: SCHEMA });
});
afterEach(async () => {
  await Promise.all(executors.splice(0).map((e) => e.stop()));
});
afterAll(async () => {
  await t?.close();
});

/** A remote system that records every call it receives. */
function remote() {
  const calls: Array<{ key: string; aggregate: string; attempt: number; lookFirst: boolean; at: number; openTransactions: number }> = [];
  return { calls, of: (key: string) => calls.filter((c) => c.key === key) };
}

/** Transactions open in the test database other than the probing statement's own. */
async function openTransactions(): Promise<number> {
  const { rows } = await t.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`,
  );
  return rows[0]!.n;
}

function start(definitions: EffectDefinition[], options: { ambiguityWindowMs?: number; workerId?: string } = {}): EffectExecutor {
  const executor = new EffectExecutor({
    pool: t.pool,
    schema: SCHEMA,
    service: 'test',
    region: 'eu-west',
    logger: capturingLogger().logger,
    registry: registry(),
    definitions,
    pollIntervalMs: 20,
    leaseMs: 3_000,
    retryInitialDelayMs: 20,
    retryMaxDelayMs: 200,
    ambiguityWindowMs: options.ambiguityWindowMs ?? 60_000,
    workerId: options.workerId,
  });
  executors.push(executor);
  executor.start();
  return executor;
}

const record = (effects: IntendedEffect[], cause = {}) => inTx(t.pool, (tx) => store.record(tx, effects, cause));
const stateOf = async (key: string) => (await store.get(t.pool, key))?.state;
const outboxFor = async (key: string) =>
  (await t.pool.query<{ payload: Record<string, unknown> & { envelope: Record<string, unknown> } }>(`SELECT payload FROM ${SCHEMA}.outbox WHERE message_key = $1 ORDER BY id`, [key])).rows.map(
    (r) => r.payload,
  );

/** A definition whose perform records its calls, and may be held or made to fail per key. */
function definition(kind: string, log: ReturnType<typeof remote>, behave: (e: ClaimedEffect) => Promise<EffectOutcome<unknown>> | EffectOutcome<unknown> = () => ({ status: 'done', result: { ok: true } })): EffectDefinition {
  return {
    kind,
    batchSize: 10,
    concurrency: 2,
    breaker: false,
    classify: (error) => ((error as { ambiguous?: boolean }).ambiguous ? 'ambiguous' : 'retry'),
    async perform(effects) {
      const open = await openTransactions();
      const outcomes: Array<EffectOutcome<unknown>> = [];
      for (const e of effects) {
        log.calls.push({ key: e.key, aggregate: e.aggregate, attempt: e.attempt, lookFirst: e.lookFirst, at: Date.now(), openTransactions: open });
        outcomes.push(await behave(e));
      }
      return outcomes;
    },
    async onDone(ctx, effect) {
      await ctx.emit({ topic: 'retail.erp-sync.v1', key: effect.key, eventType: 'EffectApplied', value: { key: effect.key } });
    },
  };
}

describe('EffectExecutor', () => {
  it('performs a recorded effect once, with no transaction open, then records it done and emits its event caused by the consumed one', async () => {
    const log = remote();
    const kind = uniqueName('k');
    const key = uniqueName('effect');
    const causeId = uniqueName('event');
    await record([{ kind, key, aggregate: uniqueName('agg'), payload: { amount: '1.00' } }], { eventId: causeId, correlationId: 'corr-1' });
    // Recorded twice (a redelivered or replayed event): still one effect.
    await record([{ kind, key, aggregate: 'other', payload: {} }]);
    start([definition(kind, log)]);
    await waitFor(async () => (await stateOf(key)) === 'done');
    expect(log.of(key)).toHaveLength(1);
    expect(log.of(key)[0]!.openTransactions).toBe(0);
    const [event] = await outboxFor(key);
    expect(event!.envelope).toMatchObject({ causationId: causeId, correlationId: 'corr-1', producer: 'test', eventType: 'EffectApplied' });
    expect(log.of(key)[0]!.aggregate).not.toBe('other');
  });

  it("keeps one aggregate's effects in order while another aggregate's go ahead of a held one", async () => {
    const log = remote();
    const kind = uniqueName('k');
    const [a, b] = [uniqueName('a'), uniqueName('b')];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    start([
      definition(kind, log, async (e) => {
        if (e.key === `${a}:1`) await held;
        return { status: 'done', result: null };
      }),
    ]);
    await record([
      { kind, key: `${a}:1`, aggregate: a, payload: {} },
      { kind, key: `${a}:2`, aggregate: a, payload: {} },
    ]);
    await waitFor(async () => log.of(`${a}:1`).length === 1);
    await record([{ kind, key: `${b}:1`, aggregate: b, payload: {} }]);
    await waitFor(async () => (await stateOf(`${b}:1`)) === 'done');
    expect(log.of(`${a}:2`)).toHaveLength(0);
    release();
    await waitFor(async () => (await stateOf(`${a}:2`)) === 'done');
    expect(log.calls.filter((c) => c.aggregate === a).map((c) => c.key)).toEqual([`${a}:1`, `${a}:2`]);
  });

  it('lets an effect recorded before the one it waits for wait without holding that one up', async () => {
    const log = remote();
    const kind = uniqueName('k');
    const order = uniqueName('order');
    start([definition(kind, log)]);
    await record([{ kind, key: `${order}:ship`, aggregate: order, payload: {}, waitsFor: `${order}:place` }]);
    await record([{ kind, key: `${order}:return`, aggregate: order, payload: {}, waitsFor: `${order}:place` }]);
    await record([{ kind, key: `${order}:place`, aggregate: order, payload: {} }]);
    await waitFor(async () => (await stateOf(`${order}:return`)) === 'done');
    expect(log.calls.filter((c) => c.aggregate === order).map((c) => c.key)).toEqual([`${order}:place`, `${order}:ship`, `${order}:return`]);
  });

  it('after an ambiguous failure looks the effect up only once the ambiguity window has passed', async () => {
    const log = remote();
    const kind = uniqueName('k');
    const key = uniqueName('effect');
    const windowMs = 1_500;
    start(
      [
        definition(kind, log, (e) =>
          e.attempt === 1 ? { status: 'ambiguous', error: Object.assign(new Error('timed out'), { ambiguous: true }) } : { status: 'done', result: null },
        ),
      ],
      { ambiguityWindowMs: windowMs },
    );
    await record([{ kind, key, aggregate: key, payload: {} }]);
    await waitFor(async () => (await stateOf(key)) === 'unknown');
    await waitFor(async () => (await stateOf(key)) === 'done');
    const [first, second] = log.of(key);
    expect(second!.lookFirst).toBe(true);
    expect(first!.lookFirst).toBe(false);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(windowMs);
  });

  it('retries a call known not to have been applied, and parks a refused one as failed with its error', async () => {
    const log = remote();
    const kind = uniqueName('k');
    const [flaky, refused] = [uniqueName('flaky'), uniqueName('refused')];
    start([
      definition(kind, log, (e) => {
        if (e.key === flaky && e.attempt < 3) return { status: 'retry', error: new Error('503 Service Unavailable') };
        if (e.key === refused) return { status: 'failed', error: new Error('product_not_found: no SKU X') };
        return { status: 'done', result: null };
      }),
    ]);
    await record([
      { kind, key: flaky, aggregate: flaky, payload: {} },
      { kind, key: refused, aggregate: refused, payload: {} },
    ]);
    await waitFor(async () => (await stateOf(flaky)) === 'done' && (await stateOf(refused)) === 'failed');
    expect(log.of(flaky).map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(log.of(flaky).every((c) => !c.lookFirst || c.attempt > 1)).toBe(true);
    const row = (await store.get(t.pool, refused))!;
    expect(row).toMatchObject({ failures: 1, lastError: 'Error: product_not_found: no SKU X' });
    // Retried on its slow schedule; the CLI's retry makes it due at once.
    expect(await store.retryNow(t.pool, { key: refused })).toBe(1);
    await waitFor(async () => log.of(refused).length === 2);
  });

  it('opens the circuit of a kind after consecutive outages and stops calling', async () => {
    const log = remote();
    const kind = uniqueName('k');
    const def: EffectDefinition = {
      ...definition(kind, log),
      batchSize: 1,
      concurrency: 1,
      breaker: { threshold: 2, halfOpenAfterMs: 60_000 },
      perform: async (effects) => {
        log.calls.push({ key: effects[0]!.key, aggregate: '', attempt: effects[0]!.attempt, lookFirst: false, at: Date.now(), openTransactions: 0 });
        throw new Error('ECONNREFUSED');
      },
    };
    const executor = start([def]);
    const keys = Array.from({ length: 4 }, () => uniqueName('e'));
    await record(keys.map((key) => ({ kind, key, aggregate: key, payload: {} })));
    await waitFor(async () => executor.isOpen(kind));
    const callsWhenOpen = log.calls.length;
    expect(callsWhenOpen).toBe(2);
    const pending = await store.list(t.pool, { states: ['pending'] });
    expect(pending.filter((r) => keys.includes(r.key))).toHaveLength(4);
  });

  it('after the half-open delay lets one attempt probe an open circuit, and closes it when the other side answers again', async () => {
    const log = remote();
    const kind = uniqueName('k');
    let down = true;
    const def: EffectDefinition = {
      ...definition(kind, log),
      batchSize: 1,
      concurrency: 1,
      breaker: { threshold: 2, halfOpenAfterMs: 300 },
      perform: async (effects) => {
        log.calls.push({ key: effects[0]!.key, aggregate: '', attempt: effects[0]!.attempt, lookFirst: false, at: Date.now(), openTransactions: 0 });
        if (down) throw new Error('ECONNREFUSED');
        return effects.map(() => ({ status: 'done' as const, result: null }));
      },
    };
    const executor = start([def]);
    const keys = Array.from({ length: 3 }, () => uniqueName('e'));
    await record(keys.map((key) => ({ kind, key, aggregate: key, payload: {} })));
    await waitFor(async () => executor.isOpen(kind));
    down = false;
    for (const key of keys) await waitFor(async () => (await stateOf(key)) === 'done');
    expect(executor.isOpen(kind)).toBe(false);
  });

  it('shares one circuit between the kinds given the same policy', async () => {
    const log = remote();
    const [first, second] = [uniqueName('k'), uniqueName('k')];
    const policy = circuitBreaker(handleAll, { halfOpenAfter: 60_000, breaker: new ConsecutiveBreaker(2) });
    const failing = (kind: string): EffectDefinition => ({
      ...definition(kind, log),
      batchSize: 1,
      concurrency: 1,
      breaker: { policy, halfOpenAfterMs: 60_000 },
      perform: async (effects) => {
        log.calls.push({ key: effects[0]!.key, aggregate: kind, attempt: effects[0]!.attempt, lookFirst: false, at: Date.now(), openTransactions: 0 });
        throw new Error('ECONNREFUSED');
      },
    });
    const markerKind = uniqueName('k');
    const executor = start([failing(first), failing(second), definition(markerKind, log)]);
    await record([0, 1].map((i) => ({ kind: first, key: uniqueName(`f${i}`), aggregate: uniqueName('a'), payload: {} })));
    await waitFor(async () => executor.isOpen(first));
    expect(executor.isOpen(second)).toBe(true);
    const secondKey = uniqueName('s');
    await record([{ kind: second, key: secondKey, aggregate: secondKey, payload: {} }]);
    // Recorded after it, performed by the same executor's claim passes (which take the earliest
    // runnable effects of every free kind): once it is done, the second kind was not free.
    const marker = uniqueName('m');
    await record([{ kind: markerKind, key: marker, aggregate: marker, payload: {} }]);
    await waitFor(async () => (await stateOf(marker)) === 'done');
    expect(log.calls.filter((c) => c.aggregate === second)).toHaveLength(0);
    expect(await stateOf(secondKey)).toBe('pending');
  });

  it('with overlapAfterMs starts one batch at a time, and another only once the one in flight has run that long', async () => {
    const kind = uniqueName('k');
    const overlapAfterMs = 600;
    const batches: Array<{ keys: string[]; at: number }> = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const effects = Array.from({ length: 6 }, () => uniqueName('agg')).map((aggregate) => ({ kind, key: `${aggregate}:1`, aggregate, payload: {} }));
    await record(effects);
    start([
      {
        kind,
        batchSize: 2,
        concurrency: 3,
        overlapAfterMs,
        breaker: false,
        async perform(claimed) {
          batches.push({ keys: claimed.map((e) => e.key), at: Date.now() });
          if (batches.length === 1) await held;
          return claimed.map(() => ({ status: 'done', result: null }));
        },
      },
    ]);
    await waitFor(async () => batches.length >= 2);
    const [first, second] = batches;
    expect(first!.keys).toHaveLength(2);
    // Started by a later pass, not together with the first (which is still held).
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(overlapAfterMs - 50);
    release();
    await waitFor(async () => (await Promise.all(effects.map((e) => stateOf(e.key)))).every((st) => st === 'done'));
    expect(batches.flatMap((b) => b.keys).sort()).toEqual(effects.map((e) => e.key).sort());
  });

  it('with two replicas claiming, performs each effect exactly once and each aggregate in order', async () => {
    const log = remote();
    const kind = uniqueName('k');
    const def = definition(kind, log, async () => {
      await new Promise((r) => setImmediate(r));
      return { status: 'done', result: null };
    });
    start([def], { workerId: 'replica-1' });
    start([def], { workerId: 'replica-2' });
    const aggregates = Array.from({ length: 20 }, () => uniqueName('agg'));
    const effects = aggregates.flatMap((aggregate) => Array.from({ length: 5 }, (_, i) => ({ kind, key: `${aggregate}:${i}`, aggregate, payload: {} })));
    await record(effects);
    await waitFor(async () => (await store.list(t.pool, { states: ['done'], limit: 10_000 })).filter((r) => r.kind === kind).length === effects.length, 60_000);
    for (const e of effects) expect(log.of(e.key)).toHaveLength(1);
    for (const aggregate of aggregates) {
      expect(log.calls.filter((c) => c.aggregate === aggregate).map((c) => c.key)).toEqual([0, 1, 2, 3, 4].map((i) => `${aggregate}:${i}`));
    }
    const owners = await t.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${SCHEMA}.outside_effects WHERE kind = $1 AND lease_owner IS NOT NULL`, [kind]);
    expect(owners.rows[0]!.n).toBe(0);
  });
});

describe('effects CLI', () => {
  const cli = async (args: string[]) => {
    const out: string[] = [];
    const command = buildCommand((line) => out.push(line)).exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    for (const sub of command.commands) sub.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    await command.parseAsync(['node', 'effects', ...args]);
    return JSON.parse(out.join('\n')) as unknown;
  };

  it('lists the open effects of an aggregate and makes a failed one due again', async () => {
    const aggregate = uniqueName('agg');
    const key = `${aggregate}:place`;
    await record([{ kind: 'cli-test', key, aggregate, payload: {} }]);
    await t.pool.query(`UPDATE ${SCHEMA}.outside_effects SET state = 'failed', failures = 1, last_error = 'no SKU', next_attempt_at = now() + interval '1 hour' WHERE effect_key = $1`, [key]);
    const common = ['--database-url', t.db.url, '--schema', SCHEMA, '--aggregate', aggregate];
    expect(await cli(['list', ...common])).toEqual([expect.objectContaining({ key, state: 'failed', last_error: 'no SKU', failures: 1 })]);
    expect(await cli(['retry', ...common])).toEqual({ retried: 1 });
    expect((await store.get(t.pool, key))!.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
  });

  it('refuses an unknown state and a retry without a target', async () => {
    await expect(cli(['list', '--database-url', t.db.url, '--schema', SCHEMA, '--state', 'stuck'])).rejects.toThrow(/unknown state stuck/);
    await expect(cli(['retry', '--database-url', t.db.url, '--schema', SCHEMA])).rejects.toThrow(/--aggregate or --key/);
  });
});
