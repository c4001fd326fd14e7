import { Command, InvalidArgumentError } from 'commander';
import { startOdooSimulator } from './index';

const int = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
};

const program = new Command()
  .name('odoo-simulator')
  .description("Serves a simulated Odoo 19 (JSON-2 and JSON-RPC external APIs) from memory")
  .option('--port <port>', 'port to listen on (0: any free port)', int, 0)
  .option('--host <host>', 'address to bind', '127.0.0.1')
  .option('--database <name>', 'database name', 'odoo')
  .option('--api-key <key...>', 'accepted API key(s); a random one when omitted')
  .option('--login <login>', 'login accepted by common.authenticate', 'admin')
  .option('--latency-ms <ms>', 'added latency per call', int, 0)
  .option('--workers <n>', 'simulated Odoo workers', int, 4)
  .option('--per-call-ms <ms>', 'service time per call', int, 0)
  .option('--per-record-ms <ms>', 'service time per record', int, 0)
  .option('--limit-time-real-ms <ms>', "Odoo's limit_time_real: a worker busy longer is killed", int, 120_000)
  .option('--data-file <path>', 'keep the records in this JSON file across restarts')
  .option('--no-seed-products', 'start without the default product catalogue');

async function main(): Promise<void> {
  const opts = program.parse().opts<{
    port: number;
    host: string;
    database: string;
    apiKey?: string[];
    login: string;
    latencyMs: number;
    workers: number;
    perCallMs: number;
    perRecordMs: number;
    limitTimeRealMs: number;
    seedProducts: boolean;
    dataFile?: string;
  }>();
  const sim = await startOdooSimulator({ ...opts, apiKeys: opts.apiKey });
  // the key is printed on purpose: it is a throw-away credential of a local simulator
  process.stdout.write(`ODOO_URL=${sim.url}\nODOO_DATABASE=${sim.database}\nODOO_API_KEY=${sim.apiKey}\nREADY\n`);
  const shutdown = () => void sim.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'odoo-simulator failed to start', error: String(err) })}\n`);
  process.exit(1);
});
