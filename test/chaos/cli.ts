/**
 * `pnpm chaos [--minutes N] [--kafka dev|apache] [--seed S] [--scenario standard|database|all]`:
 * the platform under demo traffic while a seeded plan SIGKILLs every service again and again and
 * restarts PostgreSQL, the broker and the registry and takes Odoo away (standard), or terminates
 * every service database connection every few seconds and restarts PostgreSQL and the registry
 * (database); then, once settled, the invariants of invariants.ts.
 * Prints a table and `chaos: <faults> faults, <orders> orders, lost <n>, duplicated <n>`; exit 1
 * on any violation.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventSerde, topicOf } from '@retail-backbone/contracts';
import { DEMO_CATALOG, DEMO_LOCATIONS, SERVICES, SummaryCollector, TrafficClient, ensurePosApiKey, seedOdooProducts, startPlatform, type RunningPlatform } from '@retail-backbone/local-platform';
import { createDatabasePool } from '@retail-backbone/messaging';
import { createLogger } from '@retail-backbone/observability';
import { Command, InvalidArgumentError, Option } from 'commander';
import { Kafka, logLevel } from 'kafkajs';
import { buildFaultPlan, SCENARIOS, type FaultKind, type PlannedFault, type Scenario } from './fault-plan';
import { checkAvailability, checkDlqAndLag, checkLoyalty, checkOdoo, checkTopics, recomputeAvailability, type Verdict } from './invariants';
import { readTopic } from './topics';
import { ChaosTraffic } from './traffic';
import { saleOrdersByOrderId } from '@retail-backbone/odoo-writer/src/odoo/references';

interface Options {
  minutes: number;
  kafka: 'dev' | 'apache';
  seed: number;
  rate: number;
  settleMinutes: number;
  scenario: Scenario;
  odooOutageSeconds?: number;
  terminateEverySeconds: number;
}

const log = (line: string) => process.stderr.write(`[chaos] ${new Date().toISOString().slice(11, 19)} ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Lots of stock: the run judges delivery, not oversell decisions (those have their own tests). */
const INITIAL_STOCK = 100_000;
const POISON_TOPIC = topicOf('StockMovementRecorded');
const POISONED = 2;
type DatabasePool = ReturnType<typeof createDatabasePool>;

async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 250): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await Promise.resolve(probe()).catch(() => false)) return Date.now() - started;
    await sleep(everyMs);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

async function ready(url: string): Promise<boolean> {
  const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).catch(() => null);
  return res?.ok ?? false;
}

const allReady = (platform: RunningPlatform) => async () => (await Promise.all(platform.services.map((s) => ready(s.url)))).every(Boolean);

interface Outcome {
  fault: PlannedFault;
  recoverMs: number | null;
  error?: string;
  /** pg-terminate: service backends terminated. */
  terminated?: number;
}

/**
 * Terminates every client connection to the services' database but its own (the registry has a
 * database of its own); retried while PostgreSQL itself is restarting.
 */
/** odoo-writer's effects not yet applied in Odoo (retrying, or waiting out an ambiguous failure); -1 when unreadable. */
async function openWriterEffects(pool: DatabasePool): Promise<number> {
  try {
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM odoo_writer.outside_effects WHERE state IN ('pending', 'unknown')`);
    return Number(rows[0]!.n);
  } catch {
    return -1;
  }
}

/** loyalty-sync's point movements not yet applied on the loyalty platform; -1 when unreadable. */
async function openLoyaltyEffects(pool: DatabasePool): Promise<number> {
  try {
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM loyalty_sync.outside_effects WHERE state IN ('pending', 'unknown', 'failed')`);
    return Number(rows[0]!.n);
  } catch {
    return -1;
  }
}

async function terminateServiceBackends(pool: DatabasePool, boundMs: number): Promise<number> {
  let terminated = 0;
  await until(
    'pg_terminate_backend',
    async () => {
      const result = await pool.query<{ n: number }>(
        `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      );
      terminated = result.rows[0]?.n ?? 0;
      return true;
    },
    boundMs,
    200,
  );
  return terminated;
}

async function inject(platform: RunningPlatform, fault: PlannedFault, acceptedSoFar: () => string[], odooOutageMs: number, terminator: DatabasePool, terminationsMs: number): Promise<Outcome> {
  // odoo-writer reports not ready while Odoo is away (its circuit is open), by design: a fault
  // during the outage can only be recovered from once Odoo is back. Likewise a service that
  // crashes on a terminated connection may only stay up once the terminations stop.
  const recoverBound = 180_000 + odooOutageMs + terminationsMs;
  try {
    switch (fault.kind) {
      case 'kill': {
        const service = platform.services.find((s) => s.name === fault.service)!;
        // Kill a running, ready instance: a kill during the previous restart would only lengthen it.
        await until(`${service.name} ready before its kill`, () => ready(service.url), recoverBound);
        const child = platform.supervisor.process(service.name);
        if (!child) throw new Error(`${service.name} has no process`);
        child.kill('SIGKILL');
        await until(`${service.name} restarted`, () => platform.supervisor.process(service.name) !== child, 60_000, 50);
        return { fault, recoverMs: await until(`${service.name} ready after its kill`, () => ready(service.url), recoverBound) };
      }
      case 'pg-terminate': {
        const started = Date.now();
        const terminated = await terminateServiceBackends(terminator, recoverBound);
        await until('services ready after pg-terminate', allReady(platform), recoverBound, 1_000);
        return { fault, recoverMs: Date.now() - started, terminated };
      }
      case 'postgres-restart':
      case 'kafka-restart':
      case 'registry-restart': {
        const restart = { 'postgres-restart': platform.devstack.restartPostgres, 'kafka-restart': platform.devstack.restartKafka, 'registry-restart': platform.devstack.restartRegistry }[fault.kind];
        if (!restart) throw new Error(`${fault.kind}: this dev stack cannot restart that piece`);
        const started = Date.now();
        await restart({ downMs: fault.downMs });
        await until(`services ready after ${fault.kind}`, allReady(platform), recoverBound);
        return { fault, recoverMs: Date.now() - started - fault.downMs };
      }
      case 'odoo-outage': {
        await platform.odoo.control.setOutage('refused');
        await sleep(fault.downMs);
        await platform.odoo.control.setOutage(null);
        // Recovered once every order accepted before the outage ended is in Odoo.
        const due = acceptedSoFar();
        const inOdoo = () => saleOrdersByOrderId((m) => platform.odoo.records(m), due);
        return { fault, recoverMs: await until('Odoo backlog written', () => { const have = inOdoo(); return due.every((id) => have.get(id)!.length > 0); }, recoverBound, 1000) };
      }
    }
  } catch (error) {
    return { fault, recoverMs: null, error: error instanceof Error ? error.message : String(error) };
  }
}

function table(outcomes: Outcome[], orders: number, extra: string[]): string {
  const kinds: FaultKind[] = ['kill', 'pg-terminate', 'postgres-restart', 'kafka-restart', 'registry-restart', 'odoo-outage'];
  const rows = [['fault', 'injected', 'recovered', 'recover p50 s', 'recover max s']];
  for (const kind of kinds) {
    const groups = kind === 'kill' ? SERVICES.map((s) => ({ label: `kill ${s.name}`, list: outcomes.filter((o) => o.fault.kind === 'kill' && o.fault.service === s.name) })) : [{ label: kind, list: outcomes.filter((o) => o.fault.kind === kind) }];
    for (const { label, list } of groups) {
      const times = list.map((o) => o.recoverMs).filter((t): t is number => t !== null).sort((a, b) => a - b);
      const fmt = (ms: number | undefined) => (ms === undefined ? '-' : (ms / 1000).toFixed(1));
      rows.push([label, String(list.length), String(times.length), fmt(times[Math.floor((times.length - 1) / 2)]), fmt(times[times.length - 1])]);
    }
  }
  rows.push(['orders accepted', String(orders), '', '', '']);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return [...rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')), ...extra].join('\n');
}

async function main(opts: Options): Promise<number> {
  const runStarted = Date.now();
  const durationMs = Math.round(opts.minutes * 60_000);
  const plan = buildFaultPlan({
    durationMs,
    services: SERVICES.map((s) => s.name),
    seed: opts.seed,
    scenario: opts.scenario,
    odooOutageMs: opts.odooOutageSeconds === undefined ? undefined : opts.odooOutageSeconds * 1000,
    terminateEveryMs: opts.terminateEverySeconds * 1000,
  });
  log(`seed ${opts.seed}, scenario ${opts.scenario}, ${opts.minutes} min of traffic at ${opts.rate}/s, ${plan.length} faults planned, kafka ${opts.kafka}`);
  // Exits the run did not cause (no SIGKILL of ours): crashes, e.g. on a terminated connection.
  const crashes = new Map<string, number>(SERVICES.map((s) => [s.name, 0]));
  const noteExit = (line: string) => {
    try {
      const entry = JSON.parse(line) as { msg?: string; service?: string; signal?: string | null };
      if (entry.msg === 'service exited unexpectedly; restarting' && entry.signal !== 'SIGKILL' && entry.service) crashes.set(entry.service, (crashes.get(entry.service) ?? 0) + 1);
    } catch {
      // not a JSON line
    }
  };
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chaos-logs-'));
  const serviceLog = fs.createWriteStream(path.join(logDir, 'services.log'));
  const platform = await startPlatform({
    ephemeral: true,
    restartable: true,
    infrastructureEnv: {},
    broker: opts.kafka,
    logLevel: 'info',
    serviceOutput: (name, line) => serviceLog.write(`${name} ${line}\n`),
    supervisorLog: (line) => {
      serviceLog.write(`launcher ${line}\n`);
      noteExit(line);
    },
    // A service killed after it was up is not crash-looping: restart it promptly each time.
    supervision: { initialDelayMs: 500, maxDelayMs: 10_000, stableAfterMs: 5_000 },
    progress: (line) => log(`platform: ${line}`),
    readyTimeoutMs: 180_000,
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the platform`);
      void platform.stop().finally(() => process.exit(130));
    });
  }
  log(`platform up in ${platform.startupMs} ms; service logs: ${path.join(logDir, 'services.log')}`);
  const kafka = new Kafka({ clientId: 'chaos', brokers: platform.devstack.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  // The run must be on the broker asked for (asked of the broker itself: the dev broker names its
  // cluster 'dev-kafka', Apache Kafka a random id), and able to restart it.
  const probe = kafka.admin();
  await probe.connect();
  const { clusterId } = await probe.describeCluster().finally(() => probe.disconnect());
  const running = clusterId === 'dev-kafka' ? 'dev' : 'apache';
  if (platform.devstack.broker !== opts.kafka || running !== opts.kafka || !platform.devstack.restartKafka) {
    await platform.stop();
    throw new Error(`--kafka ${opts.kafka}: the dev stack started ${platform.devstack.broker ?? 'no broker'} (cluster ${clusterId})${platform.devstack.restartKafka ? '' : ', which it cannot restart'}`);
  }
  const serde = new EventSerde({ registryUrl: platform.env.SCHEMA_REGISTRY_URL, clientId: 'chaos' });
  let client: TrafficClient | undefined;
  let collector: SummaryCollector | undefined;
  const terminator = createDatabasePool({
    connectionString: platform.devstack.env.DATABASE_URL,
    name: 'terminator',
    max: 1,
    applicationName: 'chaos-terminator',
    logger: createLogger({ service: 'chaos', stream: serviceLog }),
  });
  try {
    const posApiKey = await ensurePosApiKey(platform, platform.credentialsDir);
    await seedOdooProducts(platform.odoo.url);
    client = new TrafficClient({ ...platform.env, POS_API_KEY: posApiKey });
    for (const { sku } of DEMO_CATALOG) for (const locationId of DEMO_LOCATIONS) await client.publishStockSnapshot({ sku, locationId, quantity: INITIAL_STOCK });
    // Deliberately poisoned: bytes that are no Avro event; they must end in the DLQ, nowhere else.
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: POISON_TOPIC, acks: -1, messages: Array.from({ length: POISONED }, (_, i) => ({ key: `chaos-poison-${i}`, value: Buffer.from(`not avro ${i}`) })) });
    await producer.disconnect();

    const odooOutageMs = plan.find((f) => f.kind === 'odoo-outage')?.downMs ?? 0;
    const terminationsMs = plan.some((f) => f.kind === 'pg-terminate') ? durationMs : 0;
    const traffic = new ChaosTraffic(client, opts.seed);
    const started = Date.now();
    const sending = traffic.run(durationMs, opts.rate);
    const acceptedSoFar = () => [...traffic.ledger.orders.keys()];
    // Kills of one service run one after the other: each waits until the previous one has been
    // recovered from. (Left to their readiness waits alone, every kill queued behind a slow
    // recovery fired the moment the service was ready, so none of them ever saw it ready after
    // its own kill.) Infrastructure faults overlap them.
    const killChains = new Map<string, Promise<unknown>>();
    const injections = plan.map(async (fault) => {
      await sleep(Math.max(0, started + fault.atMs - Date.now()));
      const run = async () => {
        log(`inject ${fault.kind}${fault.service ? ` ${fault.service}` : ''}${fault.downMs ? ` (${fault.downMs} ms down)` : ''}`);
        const outcome = await inject(platform, fault, acceptedSoFar, odooOutageMs, terminator, terminationsMs);
        if (outcome.error) log(`  ${fault.kind} ${fault.service ?? ''}: ${outcome.error}`);
        return outcome;
      };
      if (fault.kind !== 'kill' || !fault.service) return run();
      const mine = (killChains.get(fault.service) ?? Promise.resolve()).then(run);
      killChains.set(fault.service, mine.catch(() => undefined));
      return mine;
    });
    await sending;
    log(`traffic done: ${traffic.ledger.orders.size} orders accepted, ${traffic.ledger.requests} requests, ${traffic.ledger.retries} retries, ${traffic.ledger.unanswered} unanswered`);
    const outcomes = await Promise.all(injections);

    log('waiting for the platform to settle');
    collector = new SummaryCollector(platform.env);
    const settleStarted = Date.now();
    let stable = 0;
    let settled = false;
    let last = await collector.collect().catch(() => null);
    while (Date.now() - settleStarted < opts.settleMinutes * 60_000) {
      await sleep(2_000);
      const now = await collector.collect().catch(() => null);
      const inOdoo = saleOrdersByOrderId((m) => platform.odoo.records(m), traffic.ledger.orders.keys());
      const allIn = [...inOdoo.values()].every((rows) => rows.length > 0);
      // The writer calls Odoo after its consumer commits: lag zero says nothing about a confirm or
      // a cancel still waiting for its retry or for Odoo's time limit after an ambiguous failure.
      const effectsOpen = await openWriterEffects(terminator);
      const loyaltyOpen = await openLoyaltyEffects(terminator);
      stable =
        now && last && now.totalLag === 0 && allIn && effectsOpen === 0 && loyaltyOpen === 0 && now.odoo.saleOrders === last.odoo.saleOrders && now.availabilityUpdates === last.availabilityUpdates
          ? stable + 1
          : 0;
      last = now;
      if (stable >= 3) {
        settled = true;
        break;
      }
    }
    const settleMs = Date.now() - settleStarted;
    log(settled ? `settled in ${(settleMs / 1000).toFixed(1)} s` : `NOT settled after ${(settleMs / 1000).toFixed(0)} s; checking anyway`);

    const verdict: Verdict = { violations: [], lost: 0, duplicated: 0, orders: 0 };
    if (!settled) verdict.violations.push({ invariant: 'settles', detail: `not within ${opts.settleMinutes} min` });
    for (const o of outcomes) if (o.error) verdict.violations.push({ invariant: 'fault recovered', detail: `${o.fault.kind} ${o.fault.service ?? ''}: ${o.error}` });
    for (const r of traffic.ledger.refused) verdict.violations.push({ invariant: 'expected answer', detail: `${r.kind}: ${r.status} ${r.detail}` });
    checkOdoo(platform, traffic.ledger, verdict);
    checkLoyalty(platform.loyalty, traffic.ledger, verdict);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [orders, payments, stock, reservations] = [
        await readTopic(kafka, admin, serde, topicOf('OrderPlaced')),
        await readTopic(kafka, admin, serde, topicOf('PaymentCaptured')),
        await readTopic(kafka, admin, serde, POISON_TOPIC),
        await readTopic(kafka, admin, serde, topicOf('StockReservationRejected')),
      ];
      checkTopics(traffic.ledger, { orders, payments, stock }, verdict);
      await checkAvailability(platform.services.find((s) => s.name === 'inventory-projector')!.url, recomputeAvailability({ orders, stock, reservations }), verdict);
    } finally {
      await admin.disconnect();
    }
    checkDlqAndLag(await collector.collect(), { topic: `${POISON_TOPIC}.dlq.inventory-projector`, count: POISONED }, verdict);

    const restarts = platform.status().map((s) => `${s.name} ${s.restarts}`).join(', ');
    process.stdout.write(
      `\n${table(outcomes, traffic.ledger.orders.size, [
        '',
        `requests ${traffic.ledger.requests}, retried ${traffic.ledger.retries}, unanswered ${traffic.ledger.unanswered}; payments ${traffic.ledger.paymentsAccepted.size}, returns ${traffic.ledger.returnsAccepted}, stock movements ${traffic.ledger.stockMovements.size}`,
        `supervisor restarts: ${restarts}; of them crashes (not our SIGKILL): ${[...crashes].map(([name, n]) => `${name} ${n}`).join(', ')}`,
        `service backends terminated: ${outcomes.reduce((n, o) => n + (o.terminated ?? 0), 0)}; settle ${(settleMs / 1000).toFixed(1)} s; scenario ${opts.scenario}; seed ${opts.seed}; wall ${((Date.now() - runStarted) / 1000).toFixed(0)} s`,
      ])}\n`,
    );
    const byInvariant = new Map<string, string[]>();
    for (const v of verdict.violations) byInvariant.set(v.invariant, [...(byInvariant.get(v.invariant) ?? []), v.detail]);
    for (const [invariant, details] of byInvariant) process.stdout.write(`VIOLATION ${invariant}: ${details.length}× e.g. ${details.slice(0, 3).join(' | ')}\n`);
    process.stdout.write(`chaos: ${outcomes.length} faults, ${traffic.ledger.orders.size} orders, lost ${verdict.lost}, duplicated ${verdict.duplicated}\n`);
    return verdict.violations.length > 0 ? 1 : 0;
  } finally {
    await client?.close().catch(() => undefined);
    await terminator.end().catch(() => undefined);
    await collector?.close().catch(() => undefined);
    await platform.stop();
    serviceLog.end();
  }
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number > 0');
  return n;
}

new Command()
  .name('chaos')
  .description('Demo traffic while services are SIGKILLed and infrastructure restarts; then check that nothing was lost or duplicated')
  .option('--minutes <n>', 'minutes of traffic and faults', positive, 10)
  .addOption(new Option('--kafka <broker>', 'broker of the dev stack').choices(['dev', 'apache']).default('dev'))
  .option('--seed <n>', 'seed of the fault plan and traffic mix', (v) => Math.trunc(positive(v)), 1)
  .option('--rate <perSecond>', 'traffic steps per second', positive, 4)
  .option('--settle-minutes <n>', 'longest wait for the platform to settle', positive, 6)
  .addOption(new Option('--scenario <name>', 'standard: kills, restarts, Odoo outage; database: connection terminations, PostgreSQL and registry restarts; all: both').choices([...SCENARIOS]).default('standard'))
  .option('--odoo-outage-seconds <n>', 'length of the Odoo outage (default 300, at most half the run)', positive)
  .option('--terminate-every-seconds <n>', 'database scenario: seconds between two terminations of every service connection', positive, 3)
  .action(async (opts: Options) => {
    process.exitCode = await main(opts);
  })
  .parseAsync()
  .catch((error: unknown) => {
    log(`failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    process.exit(2);
  });
