/**
 * Services run as separate processes, as in production, and are supervised as an orchestrator
 * would: one that exits unexpectedly is started again after an exponential backoff with jitter
 * (cockatiel), reset once it has stayed up for a while. Every exit and restart is logged as JSON
 * and counted in a status snapshot, also written to a status file when one is given.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createInterface } from 'node:readline';
import { ExponentialBackoff, halfJitterGenerator, type IBackoff } from 'cockatiel';

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export type LineSink = (name: string, line: string) => void;

export interface ServiceStatus {
  name: string;
  state: 'running' | 'restarting' | 'stopped';
  pid: number | null;
  /** Restarts after unexpected exits since the launcher started. */
  restarts: number;
  startedAt: string;
  lastExit: { code: number | null; signal: string | null; at: string; uptimeMs: number } | null;
}

export interface SupervisorOptions {
  /** Receives every line a service prints. */
  sink: LineSink;
  /** Receives the supervisor's own JSON log lines. */
  log: (jsonLine: string) => void;
  /** Rewritten (atomically) on every change. */
  statusFile?: string;
  /** First restart delay; doubles per quick crash up to maxDelayMs, each drawn from [delay/2, delay). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A process that stayed up this long gets the initial delay again after its next exit. */
  stableAfterMs?: number;
}

interface Supervised {
  spec: ChildSpec;
  child: ChildProcess | null;
  status: ServiceStatus;
  backoff: IBackoff<unknown> | undefined;
  timer: NodeJS.Timeout | undefined;
  startedAtMs: number;
}

export class Supervisor {
  private readonly services = new Map<string, Supervised>();
  private readonly factory: ExponentialBackoff<unknown>;
  private stopping = false;

  constructor(private readonly options: SupervisorOptions) {
    this.factory = new ExponentialBackoff({ generator: halfJitterGenerator, initialDelay: options.initialDelayMs ?? 500, maxDelay: options.maxDelayMs ?? 30_000 });
  }

  start(spec: ChildSpec): ChildProcess {
    const entry: Supervised = {
      spec,
      child: null,
      status: { name: spec.name, state: 'running', pid: null, restarts: 0, startedAt: new Date().toISOString(), lastExit: null },
      backoff: undefined,
      timer: undefined,
      startedAtMs: Date.now(),
    };
    this.services.set(spec.name, entry);
    return this.spawn(entry);
  }

  /** The running process of a service (null while it waits for a restart). */
  process(name: string): ChildProcess | null {
    return this.services.get(name)?.child ?? null;
  }

  status(): ServiceStatus[] {
    return [...this.services.values()].map((s) => ({ ...s.status, lastExit: s.status.lastExit && { ...s.status.lastExit } }));
  }

  /** SIGTERM lets consumers finish their transaction and commit offsets; SIGKILL after the grace period. */
  async stopAll(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    const running: ChildProcess[] = [];
    for (const entry of this.services.values()) {
      clearTimeout(entry.timer);
      if (entry.child) running.push(entry.child);
    }
    await Promise.all(running.map((child) => stopChild(child, graceMs)));
    for (const entry of this.services.values()) entry.status = { ...entry.status, state: 'stopped', pid: null };
    this.writeStatus();
  }

  private spawn(entry: Supervised): ChildProcess {
    const { spec } = entry;
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
    entry.child = child;
    entry.startedAtMs = Date.now();
    entry.status = { ...entry.status, state: 'running', pid: child.pid ?? null, startedAt: new Date(entry.startedAtMs).toISOString() };
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => this.options.sink(spec.name, line));
    }
    child.on('error', (error) => this.log('error', 'service process error', { service: spec.name, error: error.message }));
    child.on('exit', (code, signal) => this.exited(entry, child, code, signal));
    this.writeStatus();
    return child;
  }

  private exited(entry: Supervised, child: ChildProcess, code: number | null, signal: string | null): void {
    if (entry.child !== child) return;
    entry.child = null;
    const uptimeMs = Date.now() - entry.startedAtMs;
    entry.status = { ...entry.status, pid: null, lastExit: { code, signal, at: new Date().toISOString(), uptimeMs } };
    if (this.stopping) {
      entry.status.state = 'stopped';
      this.writeStatus();
      return;
    }
    // A crash after a long healthy run is a new incident, not part of a crash loop.
    if (!entry.backoff || uptimeMs >= (this.options.stableAfterMs ?? 30_000)) entry.backoff = this.factory.next();
    else entry.backoff = entry.backoff.next(undefined);
    const delayMs = Math.round(entry.backoff.duration);
    entry.status = { ...entry.status, state: 'restarting', restarts: entry.status.restarts + 1 };
    this.log('warn', 'service exited unexpectedly; restarting', { service: entry.spec.name, code, signal, uptimeMs, restartInMs: delayMs, restarts: entry.status.restarts });
    this.writeStatus();
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (this.stopping) return;
      const next = this.spawn(entry);
      this.log('info', 'service restarted', { service: entry.spec.name, pid: next.pid, restarts: entry.status.restarts });
    }, delayMs);
  }

  private log(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown>): void {
    this.options.log(JSON.stringify({ time: new Date().toISOString(), level, component: 'supervisor', msg, ...fields }));
  }

  private writeStatus(): void {
    const file = this.options.statusFile;
    if (!file) return;
    const body = JSON.stringify({ updatedAt: new Date().toISOString(), services: this.status() }, null, 2);
    try {
      fs.writeFileSync(`${file}.tmp`, `${body}\n`);
      fs.renameSync(`${file}.tmp`, file);
    } catch (error) {
      this.log('warn', 'status file not written', { file, error: error instanceof Error ? error.message : String(error) });
    }
  }
}

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
