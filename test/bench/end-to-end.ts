/**
 * End-to-end benchmark: signed Shopify webhooks at a fixed rate into the whole platform (every
 * service its own process), measuring webhook accepted → sale order confirmed in the Odoo
 * simulator, Odoo calls per order and the highest calls/s Odoo saw, then a 10x burst and the time
 * until consumer lag is back to zero. Prints a table; asserts nothing.
 *
 *   pnpm --filter @retail-backbone/test bench [--rate 500] [--seconds 20] [--odoo-latency-ms 20]
 */
import { Command } from 'commander';
import { saleOrdersByOrderId } from '@retail-backbone/odoo-writer/src/odoo/references';
import {
  DEMO_CATALOG,
  ONLINE_LOCATION,
  SummaryCollector,
  TrafficClient,
  ensurePosApiKey,
  seedOdooProducts,
  startPlatform,
} from '@retail-backbone/local-platform';

interface Options {
  rate: string;
  seconds: string;
  odooLatencyMs: string;
  rateLimit: string;
  burstFactor: string;
}

const program = new Command()
  .option('--rate <n>', 'orders per second at steady state', '500')
  .option('--seconds <n>', 'length of the steady phase', '20')
  .option('--odoo-latency-ms <n>', 'latency the Odoo simulator adds per call', '20')
  .option('--rate-limit <n>', 'ODOO_RATE_LIMIT_PER_SECOND of odoo-writer', '50')
  .option('--burst-factor <n>', 'burst size as a multiple of one second of steady traffic', '10');

let nextId = 9_007_199_254_740_993n + BigInt(Date.now()) * 1000n;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(opts: Options): Promise<void> {
  const rate = Number(opts.rate);
  const seconds = Number(opts.seconds);
  const platform = await startPlatform({
    ephemeral: true,
    logLevel: 'warn',
    serviceOutput: () => undefined,
    serviceEnv: { ODOO_RATE_LIMIT_PER_SECOND: opts.rateLimit },
    progress: (line) => process.stderr.write(`[platform] ${line}\n`),
  });
  const summary = new SummaryCollector({ ...platform.env });
  try {
    const client = new TrafficClient({ ...platform.env, POS_API_KEY: await ensurePosApiKey(platform, platform.credentialsDir) });
    await seedOdooProducts(platform.odoo.url);
    for (const { sku } of DEMO_CATALOG) await client.publishStockSnapshot({ sku, locationId: ONLINE_LOCATION, quantity: 1_000_000 });
    platform.odoo.control.setLatency(Number(opts.odooLatencyMs));

    const acceptedAt = new Map<string, number>();
    const confirmedAt = new Map<string, number>();
    const httpMs: number[] = [];
    let errors = 0;
    let firstError: unknown;
    const send = async () => {
      nextId += 1n;
      const started = performance.now();
      const answer = await client
        .sendShopifyOrder({ orderId: nextId.toString(), lines: [{ sku: DEMO_CATALOG[Number(nextId % 12n)]!.sku, quantity: 1 }] })
        .catch((error: unknown) => ({ status: 0, body: { error: String(error) } }));
      httpMs.push(performance.now() - started);
      const orderId = (answer.body as { orderId?: string }).orderId;
      if (answer.status === 202 && orderId) acceptedAt.set(orderId, Date.now());
      else {
        errors += 1;
        firstError ??= answer.body;
      }
    };
    // Confirmation times are read from the simulator every 50 ms: latency resolution is 50 ms.
    const watcher = setInterval(() => {
      const now = Date.now();
      const waiting = [...acceptedAt.keys()].filter((ref) => !confirmedAt.has(ref));
      for (const [ref, rows] of saleOrdersByOrderId((m) => platform.odoo.records(m), waiting)) {
        if (rows.some((so) => so.state === 'sale')) confirmedAt.set(ref, now);
      }
    }, 50);

    platform.odoo.control.resetStats();
    const steadyStart = Date.now();
    const pending: Promise<void>[] = [];
    for (let tick = 0; tick < seconds * 10; tick += 1) {
      for (let i = 0; i < rate / 10; i += 1) pending.push(send());
      const due = steadyStart + (tick + 1) * 100;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
    }
    await Promise.all(pending);
    const sendSeconds = (Date.now() - steadyStart) / 1000;
    while (confirmedAt.size < acceptedAt.size && Date.now() - steadyStart < (seconds + 300) * 1000) await new Promise((r) => setTimeout(r, 200));
    const steadyStats = platform.odoo.stats(1);
    const latencies = [...confirmedAt].map(([id, at]) => at - acceptedAt.get(id)!).sort((a, b) => a - b);
    const http = [...httpMs].sort((a, b) => a - b);
    const maxCallsPerSecond = Math.max(0, ...steadyStats.perSecond.map((s) => s.count));

    const burst = rate * Number(opts.burstFactor);
    const burstStart = Date.now();
    await Promise.all(Array.from({ length: burst }, () => send()));
    const burstAccepted = Date.now();
    let lag = Infinity;
    while (Date.now() - burstStart < 600_000) {
      const s = await summary.collect();
      lag = s.totalLag;
      if (lag === 0 && confirmedAt.size >= acceptedAt.size) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const burstDone = Date.now();
    clearInterval(watcher);

    const row = (name: string, value: string | number) => `| ${name} | ${value} |`;
    console.log(
      [
        `end-to-end benchmark: ${rate} orders/s offered for ${seconds} s, Odoo latency ${opts.odooLatencyMs} ms/call, writer limit ${opts.rateLimit} calls/s`,
        '| figure | value |',
        '|---|---|',
        row('orders accepted (steady)', `${acceptedAt.size} in ${sendSeconds.toFixed(1)} s (${Math.round(acceptedAt.size / sendSeconds)}/s)`),
        row('HTTP errors', errors === 0 ? 0 : `${errors} (first: ${JSON.stringify(firstError).slice(0, 120)})`),
        row('HTTP latency p50 / p99 (ms)', `${percentile(http, 50).toFixed(1)} / ${percentile(http, 99).toFixed(1)}`),
        row('accepted → confirmed in Odoo p50 / p99 (ms)', `${percentile(latencies, 50)} / ${percentile(latencies, 99)}`),
        row('orders confirmed', `${confirmedAt.size} of ${acceptedAt.size}`),
        row('Odoo calls per order', (steadyStats.total / Math.max(1, confirmedAt.size)).toFixed(2)),
        row('max Odoo calls in one second (limit)', `${maxCallsPerSecond} (${opts.rateLimit})`),
        row(`burst of ${burst}: accepted in (s)`, ((burstAccepted - burstStart) / 1000).toFixed(1)),
        row('burst: lag back to zero after (s)', lag === 0 ? ((burstDone - burstStart) / 1000).toFixed(1) : `not within 600 s (lag ${lag})`),
      ].join('\n'),
    );
    await client.close();
  } finally {
    await summary.close();
    await platform.stop();
  }
}

program
  // `pnpm bench -- --rate 100` passes the separator through.
  .parseAsync(process.argv.filter((arg) => arg !== '--'))
  .then(() => main(program.opts<Options>()))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
