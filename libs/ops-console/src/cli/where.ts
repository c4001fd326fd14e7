/**
 * `pnpm where <id>`: the timeline of an order across every service, from a backbone order id, a
 * channel order id or number (#1001), a correlation id or an Odoo sale order name. Exit 1 when
 * nothing knows the id, 2 when the sources cannot be read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { configFromEnv } from '../config';
import { formatRejection, formatTimeline } from '../format';
import { openSources } from '../sources';
import { buildTimeline, findOrders, findRejections } from '../timeline';

/** NAME=value lines as `pnpm start` writes them to .devstack/platform.env. */
export function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) out[match[1]!] = match[2]!;
  }
  return out;
}

export interface WhereIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Where the env file lives by default (the repo root, where pnpm runs root scripts). */
  cwd: string;
  /** Where the user typed the command: relative --env-file paths start here. */
  initCwd: string;
}

export function buildWhereCommand(io: WhereIo, setExitCode: (code: number) => void): Command {
  return new Command('where')
    .description('Where is this order? Its events, consumers, Odoo documents, dead letters, parked items, rejections and conflicts')
    .argument('<id>', 'backbone order id, channel order id or number (#1001), correlation id, or Odoo sale order name (S00042)')
    .option('--env-file <file>', 'read connection settings from this file (default: .devstack/platform.env when present and DATABASE_URL is not set)')
    .option('--json', 'print the timeline as JSON')
    .option('--no-odoo', 'do not ask Odoo for documents')
    .option('--no-kafka', 'do not read dead-letter topics')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .action(async (id: string, options: { envFile?: string; json?: boolean; odoo: boolean; kafka: boolean }) => {
      const defaultFile = path.join(io.cwd, '.devstack', 'platform.env');
      const file = options.envFile ? path.resolve(io.initCwd, options.envFile) : (!io.env.DATABASE_URL && fs.existsSync(defaultFile) ? defaultFile : undefined);
      const env = { ...(file ? readEnvFile(file) : {}), ...io.env };
      const config = configFromEnv(env, { requireAuth: false });
      const sources = openSources({ ...config, odoo: options.odoo ? config.odoo : undefined });
      try {
        const timelineSources = { ...sources, deadLetters: options.kafka ? sources.deadLetters : undefined };
        const matches = await findOrders(timelineSources, id);
        if (matches.length === 0) {
          const rejections = await findRejections(timelineSources, id);
          if (rejections.length > 0) {
            io.stdout(options.json ? `${JSON.stringify({ id, orders: [], rejections }, null, 2)}\n` : `no order for ${id}; refused payloads with it:\n${rejections.map(formatRejection).join('\n')}\n`);
            return;
          }
          io.stderr(`where: no order, channel order, correlation id or Odoo sale order is known as '${id}'\n`);
          setExitCode(1);
          return;
        }
        const timelines = [];
        for (const match of matches) timelines.push(await buildTimeline(timelineSources, match));
        if (options.json) io.stdout(`${JSON.stringify(timelines.length === 1 ? timelines[0] : timelines, null, 2)}\n`);
        else io.stdout(`${timelines.map((t) => formatTimeline(t, { traceUrlTemplate: config.traceUrlTemplate })).join('\n\n')}\n`);
      } finally {
        await sources.close();
      }
    });
}

if (require.main === module) {
  const io: WhereIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), env: process.env, cwd: process.cwd(), initCwd: process.env.INIT_CWD ?? process.cwd() };
  buildWhereCommand(io, (code) => (process.exitCode = code))
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      const code = (error as { exitCode?: number; code?: string }).code;
      if (typeof code === 'string' && code.startsWith('commander.')) {
        process.exitCode = (error as { exitCode: number }).exitCode;
        return;
      }
      process.stderr.write(`where: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    });
}
