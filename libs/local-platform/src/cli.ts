/**
 * `pnpm start`: the whole platform on loopback. Progress goes to stderr; stdout carries the
 * `NAME=value` lines and `READY`, so scripts can read them while people watch the logs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KAFKA_KINDS } from '@retail-backbone/devstack';
import { Command, Option } from 'commander';
import { createPrefixer } from './log-format';
import { startPlatform } from './launcher';
import { ensurePosApiKey } from './pos-key';
import { startOpsConsole } from './ops-console';

const program = new Command()
  .name('start')
  .description('Run the retail event backbone locally: embedded infrastructure, simulators and every service')
  .option('--data-dir <dir>', 'where kept data lives (default: .devstack/ in the repo root)')
  .option('--fresh', 'discard kept data first')
  .option('--ephemeral', 'throwaway data, removed on exit')
  .option('--log-level <level>', 'services log level', 'info')
  .option('--quiet', 'do not print service logs')
  .addOption(new Option('--kafka <kind>', 'broker: the dev broker, or Apache Kafka (needs Java 17+ and Maven); default DEVSTACK_KAFKA or dev').choices([...KAFKA_KINDS]))
  .action(async (opts: { dataDir?: string; fresh?: boolean; ephemeral?: boolean; logLevel: string; quiet?: boolean; kafka?: string }) => {
    // The dev stack reads the broker kind from the environment, as DEVSTACK_KAFKA=apache does.
    if (opts.kafka) process.env.DEVSTACK_KAFKA = opts.kafka;
    const names = ['order-ingest', 'inventory-projector', 'odoo-writer', 'ops-console'];
    const prefix = createPrefixer(names, process.stderr.isTTY);
    const progress = (line: string) => process.stderr.write(`[platform] ${line}\n`);
    const platform = await startPlatform({
      dataDir: opts.dataDir,
      fresh: opts.fresh,
      ephemeral: opts.ephemeral,
      logLevel: opts.logLevel,
      progress,
      // JSON lines as they are, so log tooling can read the supervisor's exits and restarts.
      supervisorLog: (line) => process.stderr.write(`${line}\n`),
      serviceOutput: (name, line) => {
        if (!opts.quiet) process.stderr.write(`${prefix(name, line)}\n`);
      },
    });
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      progress(`${signal}: stopping`);
      await platform.stop();
      const restarts = platform.status().map((s) => `${s.name} ${s.restarts}`).join(', ');
      progress(`restarts after unexpected exits: ${restarts} (status: ${platform.statusFile})`);
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));

    const posApiKey = await ensurePosApiKey(platform, platform.credentialsDir);
    const opsConsole = await startOpsConsole(platform);
    const env: Record<string, string> = { ...platform.env, POS_API_KEY: posApiKey, ...opsConsole };
    // Other terminals (pnpm demo, scripts) read the same settings from this file.
    const envFile = path.join(platform.credentialsDir, 'platform.env');
    fs.writeFileSync(envFile, Object.entries(env).map(([name, value]) => `${name}=${value}\n`).join(''), { mode: 0o600 });
    progress(`up in ${platform.startupMs} ms`);
    process.stderr.write(
      [
        '',
        `  order ingest        ${env.ORDER_INGEST_URL}   (POST /webhooks/shopify, /webhooks/woocommerce, /webhooks/stripe, /v1/pos/sales)`,
        `  availability API    ${env.INVENTORY_API_URL}/v1/availability/<sku>`,
        `  Odoo simulator      ${env.ODOO_URL}   (inspect: /__sim/records/sale.order)`,
        `  channel simulators  Shopify ${env.SHOPIFY_ADMIN_URL}, WooCommerce ${env.WOOCOMMERCE_URL}, POS stores ${env.POS_NOTIFY_URL}, customer hook ${env.CUSTOMER_HOOK_URL}   (inspect: /_sim/orders/<id>)`,
        `  loyalty platform    ${env.LOYALTY_PLATFORM_URL}   (simulator: GET /v1/members/<member id or reference> with the dev API key)`,
        `  ops console         ${env.OPS_CONSOLE_URL}   (log in with OPS_API_TOKEN; pnpm where <order id|#number|S00042>)`,
        ...platform.services.map((s) => `  ${s.name.padEnd(20)}${s.url}/metrics  ${s.url}/readyz`),
        `  supervision status  ${path.relative(process.cwd(), platform.statusFile)}   (restarts per service; crashed services restart with backoff)`,
        '',
        `  send demo traffic:   pnpm demo --env-file ${path.relative(process.cwd(), envFile)} --orders 50`,
        '',
      ].join('\n'),
    );
    for (const [name, value] of Object.entries(env)) process.stdout.write(`${name}=${value}\n`);
    process.stdout.write('READY\n');
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`[platform] failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
