/**
 * `pnpm demo`: realistic mixed traffic against a running platform (settings from the environment,
 * `--env-file`, or `--start` to run one in-process), with a live view of the pipeline until it
 * settles, then a summary table. Exit 1 on unexpected HTTP answers, new DLQ entries or no settle.
 */
import fs from 'node:fs';
import { MultiBar, Presets } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { startPlatform, type RunningPlatform } from '../launcher';
import { ensurePosApiKey } from '../pos-key';
import { DEMO_CATALOG, ONLINE_LOCATION, STORE_LOCATION, SummaryCollector, TrafficClient, parseEnvLines, seedOdooProducts, type PipelineSummary } from '../traffic';
import { buildPlan, ordersIn } from './plan';
import { delta, finalReport, summaryLine } from './report';
import { TrafficRunner } from './runner';

interface Options {
  envFile?: string;
  start?: boolean;
  orders: number;
  rate: number;
  burst: number;
  settleTimeout: number;
  seed: number;
}

const INITIAL_STOCK = { [ONLINE_LOCATION]: 400, [STORE_LOCATION]: 150 };
/** Readings in a row with lag 0 and unchanged Odoo/availability counts that count as settled. */
const STABLE_READINGS = 3;

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number > 0');
  return n;
}

function positiveInt(value: string): number {
  const n = positiveNumber(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be a whole number');
  return n;
}

const log = (line: string) => process.stderr.write(`[demo] ${line}\n`);

async function platformEnv(opts: Options): Promise<{ env: Record<string, string | undefined>; platform?: RunningPlatform }> {
  if (opts.start) {
    log('starting the platform in-process (ephemeral, quiet); about 30 s');
    const platform = await startPlatform({ ephemeral: true, logLevel: 'warn', serviceOutput: () => undefined, progress: (line) => log(`platform: ${line}`) });
    try {
      const posKey = await ensurePosApiKey(platform, platform.credentialsDir);
      return { env: { ...platform.env, POS_API_KEY: posKey }, platform };
    } catch (error) {
      await platform.stop();
      throw error;
    }
  }
  if (opts.envFile) return { env: { ...process.env, ...parseEnvLines(fs.readFileSync(opts.envFile, 'utf8')) } };
  return { env: process.env };
}

async function main(opts: Options): Promise<number> {
  const { env, platform } = await platformEnv(opts);
  const client = new TrafficClient(env);
  const collector = new SummaryCollector(env);
  let stopping = false;
  process.once('SIGINT', () => {
    stopping = true;
    log('SIGINT: stopping after the requests in flight');
  });
  try {
    const added = await seedOdooProducts(client.env.ODOO_URL);
    log(`Odoo simulator: ${added.length} products seeded (${DEMO_CATALOG.length - added.length} already there)`);
    const base = await collector.collect();
    for (const [locationId, quantity] of Object.entries(INITIAL_STOCK)) {
      for (const item of DEMO_CATALOG) await client.publishStockSnapshot({ sku: item.sku, locationId, quantity });
    }
    log(`stock counts published: ${DEMO_CATALOG.length} SKUs x ${Object.keys(INITIAL_STOCK).length} locations`);

    const runId = Date.now().toString(36);
    const waves = buildPlan({ orders: opts.orders, burst: opts.burst, runId, seed: opts.seed, loyalty: Boolean(env.LOYALTY_PLATFORM_URL && env.LOYALTY_PLATFORM_API_KEY) });
    const total = waves.flat().reduce((n, s) => n + ordersIn(s), 0);
    const bars = new MultiBar({ clearOnComplete: false, hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000, format: '{bar} {value}/{total} orders | {phase}' }, Presets.shades_classic);
    const progress = bars.create(total, 0, { phase: 'sending' });
    const live = bars.create(1, 0, { summary: 'reading…' }, { format: '  {summary}' });

    let latest = delta(base, base);
    let reading = false;
    const refresh = async () => {
      if (reading) return;
      reading = true;
      try {
        latest = delta(await collector.collect(), base);
        live.update(0, { summary: summaryLine(latest) });
      } catch (error) {
        live.update(0, { summary: `summary unavailable: ${error instanceof Error ? error.message : String(error)}` });
      } finally {
        reading = false;
      }
    };
    const timer = setInterval(() => void refresh(), 1000);

    const started = Date.now();
    const runner = new TrafficRunner(client, opts.rate);
    await runner.run(waves, (sent) => progress.update(sent), () => stopping);
    progress.update({ phase: 'waiting for the pipeline to settle' });

    const deadline = Date.now() + opts.settleTimeout * 1000;
    let settled = false;
    let stable = 0;
    let previous: PipelineSummary | null = null;
    while (!stopping && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await refresh();
      const same = previous && previous.odoo.saleOrders === latest.odoo.saleOrders && previous.odoo.cancelled === latest.odoo.cancelled && previous.availabilityUpdates === latest.availabilityUpdates;
      stable = latest.totalLag === 0 && same ? stable + 1 : 0;
      previous = latest;
      if (stable >= STABLE_READINGS) {
        settled = true;
        break;
      }
    }
    clearInterval(timer);
    progress.update({ phase: settled ? 'settled' : 'not settled' });
    bars.stop();

    process.stdout.write(`\n${finalReport(runner.stats, latest, { seconds: (Date.now() - started) / 1000, settled, seed: opts.seed })}\n`);
    for (const u of runner.stats.unexpected.slice(0, 10)) log(`unexpected: ${u.kind} -> ${u.status}: ${u.detail}`);
    const failures = [
      runner.stats.unexpected.length > 0 ? `${runner.stats.unexpected.length} unexpected answers` : null,
      latest.dlq > 0 ? `${latest.dlq} new DLQ messages` : null,
      settled ? null : 'the pipeline did not settle in time',
    ].filter((f): f is string => f !== null);
    if (failures.length > 0) log(`FAILED: ${failures.join('; ')}`);
    return failures.length > 0 ? 1 : 0;
  } finally {
    await Promise.allSettled([client.close(), collector.close()]);
    if (platform) await platform.stop();
  }
}

const program = new Command()
  .name('demo')
  .description('Send realistic mixed channel traffic to a running local platform and watch it flow through')
  .option('--env-file <path>', 'file holding the NAME=value lines `pnpm start` printed')
  .option('--start', 'start an ephemeral platform in-process instead')
  .option('--orders <n>', 'orders to send', positiveInt, 200)
  .option('--rate <perSecond>', 'send pace (steps per second; bursts come on top)', positiveNumber, 25)
  .option('--burst <n>', 'orders sent at once in every fifth wave (1 = no bursts)', positiveInt, 20)
  .option('--settle-timeout <seconds>', 'how long to wait for the pipeline to settle', positiveNumber, 120)
  .option('--seed <n>', 'random seed of the traffic mix', positiveInt, 42)
  .action(async (opts: Options) => {
    process.exitCode = await main(opts);
  });

program.parseAsync().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
});
