import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { jsonLogger, silentSink, type LogSink, type Logger } from '../log';
import { resolveBinaries, type PostgresBinaries } from './binaries';
import { databaseUrl, dropDatabase, ensureDatabase } from './databases';
import { resolveRunAs, type RunAs } from './run-as';
import { startWatchdog } from './watchdog';
import { freePort } from '../ports';

export interface EmbeddedPostgresOptions {
  /** Keep the cluster in this directory between runs. Omitted: a throwaway cluster under os.tmpdir(). */
  dataDir?: string;
  /** Discard a kept cluster in dataDir and initialise a new one. */
  fresh?: boolean;
  log?: LogSink;
}

export interface EmbeddedPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  /** URL of the `postgres` maintenance database. */
  url: string;
  /** Where the cluster's files actually live (may differ from the requested dataDir, see README). */
  dataDir: string;
  persistent: boolean;
  urlFor(database: string): string;
  /** Creates the database when missing and returns its URL. */
  createDatabase(name: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  /**
   * Stops the server (fast shutdown, clients disconnected) and starts it again on the same port
   * and data, after `downMs`: what a failover or a restarted database host looks like to clients.
   */
  restart(options?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const USER = 'postgres';
// A fixed, documented development credential: persistent clusters must be reachable across runs.
const PASSWORD = 'postgres';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/** Development settings: durability traded for speed, enough connections for parallel test workers. */
const SERVER_SETTINGS: Record<string, string> = {
  listen_addresses: HOST,
  unix_socket_directories: '',
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: '300',
  log_min_messages: 'warning',
};


function spawnIds(runAs: RunAs): { uid?: number; gid?: number } {
  return runAs.uid === undefined ? {} : { uid: runAs.uid, gid: runAs.gid };
}

function chownTo(target: string, runAs: RunAs): void {
  if (runAs.uid !== undefined && runAs.gid !== undefined) fs.chownSync(target, runAs.uid, runAs.gid);
}

/** Whether the server account can create files in `dir` (every ancestor must be traversable). */
function writableBy(dir: string, runAs: RunAs): boolean {
  if (runAs.uid === undefined) return true;
  const res = spawnSync('test', ['-w', dir, '-a', '-x', dir], { ...spawnIds(runAs), stdio: 'ignore' });
  return !res.error && res.status === 0;
}

function tailOf(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no server log)';
  }
}

interface Layout {
  pgdata: string;
  logFile: string;
  /** Removed on stop (and by the watchdog after a crash). */
  scratch: string[];
  persistent: boolean;
}

function throwawayLayout(runAs: RunAs): Layout {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'devstack-pg-'));
  chownTo(root, runAs);
  return { pgdata: path.join(root, 'data'), logFile: path.join(root, 'postgres.log'), scratch: [root], persistent: false };
}

function persistentLayout(requested: string, fresh: boolean, runAs: RunAs, log: Logger): Layout {
  let pgdata = path.resolve(requested);
  if (fresh) fs.rmSync(pgdata, { recursive: true, force: true });
  fs.mkdirSync(pgdata, { recursive: true });
  if (fs.readdirSync(pgdata).length === 0) chownTo(pgdata, runAs);
  if (!writableBy(pgdata, runAs)) {
    // e.g. a repo under /root (mode 700) while the server runs as an unprivileged account.
    const key = createHash('sha256').update(pgdata).digest('hex').slice(0, 12);
    const relocated = path.join(os.tmpdir(), `devstack-pg-kept-${key}`);
    log('warn', 'server account cannot write the data dir; keeping the cluster under the temp dir instead', {
      requested: pgdata,
      dataDir: relocated,
      user: runAs.name,
    });
    if (fresh) fs.rmSync(relocated, { recursive: true, force: true });
    fs.mkdirSync(relocated, { recursive: true, mode: 0o700 });
    if (fs.readdirSync(relocated).length === 0) chownTo(relocated, runAs);
    pgdata = relocated;
  }
  return { pgdata, logFile: `${pgdata}.log`, scratch: [], persistent: true };
}

function majorOf(version: string): string {
  return version.split('.')[0] ?? version;
}

async function initdb(bins: PostgresBinaries, layout: Layout, runAs: RunAs): Promise<void> {
  const secretDir = fs.mkdtempSync(path.join(os.tmpdir(), 'devstack-pg-init-'));
  try {
    chownTo(secretDir, runAs);
    const pwfile = path.join(secretDir, 'pw');
    fs.writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
    chownTo(pwfile, runAs);
    const args = [
      `--pgdata=${layout.pgdata}`,
      `--username=${USER}`,
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ];
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(bins.initdb, args, {
        ...spawnIds(runAs),
        cwd: os.tmpdir(),
        env: { ...process.env, LC_ALL: 'C' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (c: Buffer) => output.push(c.toString()));
      child.stderr.on('data', (c: Buffer) => output.push(c.toString()));
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new Error(`initdb failed (exit ${String(code)}): ${output.join('').trim()}`);
  } finally {
    fs.rmSync(secretDir, { recursive: true, force: true });
  }
}

async function waitUntilReady(child: ChildProcess, port: number, logFile: string): Promise<void> {
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.once('exit', (code, signal) => {
    exited = { code, signal };
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      throw new StartupExit(`postgres exited during start-up (code ${String(exited.code)}, signal ${String(exited.signal)}):\n${tailOf(logFile)}`);
    }
    const client = new Client({ host: HOST, port, user: USER, password: PASSWORD, database: 'postgres', connectionTimeoutMillis: 2000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
    }
    if (Date.now() > deadline) throw new Error(`postgres did not accept connections within ${READY_TIMEOUT_MS} ms:\n${tailOf(logFile)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

class StartupExit extends Error {
  get portTaken(): boolean {
    return /could not bind|Address already in use|could not create any TCP\/IP sockets/i.test(this.message);
  }
}

function launch(bins: PostgresBinaries, layout: Layout, runAs: RunAs, port: number): ChildProcess {
  const settings = Object.entries(SERVER_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const logFd = fs.openSync(layout.logFile, 'a');
  try {
    // Own session: a Ctrl-C on the terminal reaches us, and we shut the stack down in order.
    return spawn(bins.postgres, ['-D', layout.pgdata, '-p', String(port), ...settings], {
      ...spawnIds(runAs),
      cwd: os.tmpdir(),
      detached: true,
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    fs.closeSync(logFd);
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const escalate = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(escalate);
      resolve();
    });
    // SIGINT = "fast shutdown": disconnect clients, checkpoint, exit.
    child.kill('SIGINT');
  });
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const log = jsonLogger(options.log ?? silentSink, 'postgres');
  const runAs = resolveRunAs();
  const bins = resolveBinaries(runAs, (msg) => log('info', msg));
  const layout = options.dataDir ? persistentLayout(options.dataDir, options.fresh ?? false, runAs, log) : throwawayLayout(runAs);
  const removeScratch = () => {
    for (const dir of layout.scratch) fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    const versionFile = path.join(layout.pgdata, 'PG_VERSION');
    if (fs.existsSync(versionFile)) {
      const onDisk = fs.readFileSync(versionFile, 'utf8').trim();
      if (onDisk !== majorOf(bins.version)) {
        throw new Error(`data dir ${layout.pgdata} holds a PostgreSQL ${onDisk} cluster but the binaries are ${bins.version}; start fresh (--fresh) to recreate it`);
      }
      log('info', 'reusing kept cluster', { dataDir: layout.pgdata });
    } else {
      log('info', 'initialising cluster', { dataDir: layout.pgdata, user: runAs.name, version: bins.version });
      await initdb(bins, layout, runAs);
    }

    let child: ChildProcess | undefined;
    let port = 0;
    for (let attempt = 1; !child; attempt++) {
      port = await freePort(HOST);
      const candidate = launch(bins, layout, runAs, port);
      try {
        await waitUntilReady(candidate, port, layout.logFile);
        child = candidate;
      } catch (err) {
        await stopProcess(candidate);
        // Another process may grab the port between our probe and the server's bind.
        if (err instanceof StartupExit && err.portTaken && attempt < 5) continue;
        throw err;
      }
    }
    // Undefined while a restart has stopped the server on purpose.
    let server: ChildProcess | undefined = child;
    let watchdog = startWatchdog(child.pid as number, layout.scratch);
    let stopping = false;
    const watch = (proc: ChildProcess) => {
      proc.unref();
      proc.once('exit', (code, signal) => {
        if (!stopping && proc === server) log('error', 'postgres exited unexpectedly', { code, signal, logFile: layout.logFile });
      });
    };
    watch(child);
    log('info', 'postgres ready', { host: HOST, port, dataDir: layout.pgdata, persistent: layout.persistent });

    const url = `postgres://${USER}:${PASSWORD}@${HOST}:${port}/postgres`;
    let stopped: Promise<void> | undefined;
    let restarting: Promise<void> | undefined;
    const restart = async (downMs: number) => {
      const previous = server;
      server = undefined;
      if (previous) await stopProcess(previous);
      watchdog.disarm();
      log('info', 'postgres stopped for a restart', { port, downMs });
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      const next = launch(bins, layout, runAs, port);
      try {
        await waitUntilReady(next, port, layout.logFile);
      } catch (err) {
        await stopProcess(next);
        throw err;
      }
      server = next;
      watchdog = startWatchdog(next.pid as number, layout.scratch);
      watch(next);
      log('info', 'postgres restarted', { port });
    };
    return {
      host: HOST,
      port,
      user: USER,
      password: PASSWORD,
      url,
      dataDir: layout.pgdata,
      persistent: layout.persistent,
      urlFor: (database) => databaseUrl(url, database),
      createDatabase: (name) => ensureDatabase(url, name),
      dropDatabase: (name) => dropDatabase(url, name),
      restart(options = {}) {
        if (stopped) return Promise.reject(new Error('postgres was stopped; it cannot be restarted'));
        restarting ??= restart(options.downMs ?? 0).finally(() => (restarting = undefined));
        return restarting;
      },
      stop() {
        stopped ??= (async () => {
          await restarting?.catch(() => undefined);
          stopping = true;
          if (server) await stopProcess(server);
          removeScratch();
          watchdog.disarm();
          log('info', 'postgres stopped', { port });
        })();
        return stopped;
      },
    };
  } catch (err) {
    removeScratch();
    throw err;
  }
}
