/**
 * `pnpm chaos [--minutes N] [--kafka dev|apache] [--seed S]`: the platform under demo traffic
 * while a seeded plan SIGKILLs every service again and again and restarts PostgreSQL, the broker
 * and the registry and takes Odoo away; then, once settled, the invariants of invariants.ts.
 * Prints a table and `chaos: <faults> faults, <orders> orders, lost <n>, duplicated <n>`; exit 1
 * on any violation.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventSerde, topicOf } from '@retail-backbone/contracts';
import { DEMO_CATALOG, DEMO_LOCATIONS, SERVICES, SummaryCollector, TrafficClient, ensurePosApiKey, seedOdooProducts, startPlatform, type RunningPlatform } from '@retail-backbone/local-platform';
import { Command, InvalidArgumentError, Option } from 'commander';
import { Kafka, logLevel } from 'kafkajs';
import { buildFaultPlan, type FaultKind, type PlannedFault } from './fault-plan';
import { checkAvailability, checkDlqAndLag, checkOdoo, checkTopics, recomputeAvailability, type Verdict } from './invariants';
import { readTopic } from './topics';
import { ChaosTraffic } from './traffic';
import { saleOrdersByOrderId } from '@retail-backbone/odoo-writer/src/odoo/references';

interface Options {
  minutes: number;
  kafka: 'dev' | 'apache';
  seed: number;
  rate: number;
  settleMinutes: number;
}

const log = (line: string) => process.stderr.write(`[chaos] ${new Date().toISOString().slice(11, 19)} ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Lots of stock: the run judges delivery, not oversell decisions (those have their own tests). */
const INITIAL_STOCK = 100_000;
const POISON_TOPIC = topicOf('StockMovementRecorded');
const POISONED = 2;

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
}

async function inject(platform: RunningPlatform, fault: PlannedFault, acceptedSoFar: () => string[], odooOutageMs: number): Promise<Outcome> {
  // odoo-writer reports not ready while Odoo is away (its circuit is open), by design: a fault
  // during the outage can only be recovered from once Odoo is back.
  const recoverBound = 180_000 + odooOutageMs;
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
  const kinds: FaultKind[] = ['kill', 'postgres-restart', 'kafka-restart', 'registry-restart', 'odoo-outage'];
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
  if (opts.kafka === 'apache') process.env.DEVSTACK_KAFKA = 'apache';
  const durationMs = Math.round(opts.minutes * 60_000);
  const plan = buildFaultPlan({ durationMs, services: SERVICES.map((s) => s.name), seed: opts.seed });
  log(`seed ${opts.seed}, ${opts.minutes} min of traffic at ${opts.rate}/s, ${plan.length} faults planned, kafka ${opts.kafka}`);
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chaos-logs-'));
  const serviceLog = fs.createWriteStream(path.join(logDir, 'services.log'));
  const platform = await startPlatform({
    ephemeral: true,
    restartable: true,
    infrastructureEnv: {},
    logLevel: 'info',
    serviceOutput: (name, line) => serviceLog.write(`${name} ${line}\n`),
    supervisorLog: (line) => serviceLog.write(`launcher ${line}\n`),
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
  // The run must be on the broker asked for: the dev broker names its cluster 'dev-kafka'.
  const probe = kafka.admin();
  await probe.connect();
  const { clusterId } = await probe.describeCluster().finally(() => probe.disconnect());
  const onDevBroker = clusterId === 'dev-kafka';
  if ((opts.kafka === 'apache') === onDevBroker || !platform.devstack.restartKafka) {
    await platform.stop();
    throw new Error(
      opts.kafka === 'apache' && onDevBroker
        ? '--kafka apache: the dev stack started the dev broker; this checkout cannot run Apache Kafka in the dev stack (DEVSTACK_KAFKA=apache)'
        : `--kafka ${opts.kafka}: cluster ${clusterId} is not that broker, or the dev stack cannot restart it`,
    );
  }
  const serde = new EventSerde({ registryUrl: platform.env.SCHEMA_REGISTRY_URL, clientId: 'chaos' });
  let client: TrafficClient | undefined;
  let collector: SummaryCollector | undefined;
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
    const traffic = new ChaosTraffic(client, opts.seed);
    const started = Date.now();
    const sending = traffic.run(durationMs, opts.rate);
    const acceptedSoFar = () => [...traffic.ledger.orders.keys()];
    const injections = plan.map(async (fault) => {
      await sleep(Math.max(0, started + fault.atMs - Date.now()));
      log(`inject ${fault.kind}${fault.service ? ` ${fault.service}` : ''}${fault.downMs ? ` (${fault.downMs} ms down)` : ''}`);
      const outcome = await inject(platform, fault, acceptedSoFar, odooOutageMs);
      if (outcome.error) log(`  ${fault.kind} ${fault.service ?? ''}: ${outcome.error}`);
      return outcome;
    });
    // Kills of one service are serialised by their readiness wait; infrastructure faults overlap them.
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
      stable = now && last && now.totalLag === 0 && allIn && now.odoo.saleOrders === last.odoo.saleOrders && now.availabilityUpdates === last.availabilityUpdates ? stable + 1 : 0;
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
        `supervisor restarts: ${restarts}; settle ${(settleMs / 1000).toFixed(1)} s; seed ${opts.seed}`,
      ])}\n`,
    );
    const byInvariant = new Map<string, string[]>();
    for (const v of verdict.violations) byInvariant.set(v.invariant, [...(byInvariant.get(v.invariant) ?? []), v.detail]);
    for (const [invariant, details] of byInvariant) process.stdout.write(`VIOLATION ${invariant}: ${details.length}× e.g. ${details.slice(0, 3).join(' | ')}\n`);
    process.stdout.write(`chaos: ${outcomes.length} faults, ${traffic.ledger.orders.size} orders, lost ${verdict.lost}, duplicated ${verdict.duplicated}\n`);
    return verdict.violations.length > 0 ? 1 : 0;
  } finally {
    await client?.close().catch(() => undefined);
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
  .action(async (opts: Options) => {
    process.exitCode = await main(opts);
  })
  .parseAsync()
  .catch((error: unknown) => {
    log(`failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    process.exit(2);
  });
