import type { AddressInfo, Socket } from 'node:net';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Request, Response } from 'express';
import { WorkerPool, type CapacitySettings } from './capacity';
import { OdooEngine, type SeedProduct } from './engine';
import { FaultInjector, type FaultSpec } from './faults';
import { FilePersistence } from './persistence';
import { lockError, SimulatedOdooException, serializationFailure } from './odoo-exceptions';
import { sendHtmlStatus } from './responses';
import { CallStats } from './stats';

export type OutageMode = 'refused' | 'reset' | '503';

export interface OdooSimulatorOptions {
  port?: number;
  host?: string;
  database?: string;
  /** Valid API keys (all belong to the simulated admin user, uid 2). */
  apiKeys?: string[];
  /** Login accepted by common.authenticate over JSON-RPC. */
  login?: string;
  /** Added network latency per call. */
  latencyMs?: number;
  workers?: number;
  perCallMs?: number;
  perRecordMs?: number;
  /** true: the default catalogue; a list: these products; false: none. */
  seedProducts?: boolean | SeedProduct[];
  /**
   * Odoo's limit_time_real: a worker busy on one request for longer is killed (its transaction
   * rolled back, the connection closed). Default 120 s, Odoo's default.
   */
  limitTimeRealMs?: number;
  /**
   * Keep the records in this JSON file: loaded at start (no seeding when it exists), rewritten
   * after commits. Without it, records live in memory only.
   */
  dataFile?: string;
}

export interface Outage {
  mode: OutageMode;
  retryAfterSeconds?: number;
}

export interface CallSpec {
  model: string;
  method: string;
  run(): { result: unknown; records: number };
}

export type CallAnswer =
  | { kind: 'result'; result: unknown }
  | { kind: 'error'; error: unknown }
  | { kind: 'http'; status: number; title: string; headers?: Record<string, string> }
  | { kind: 'dropped' };

const DEFAULTS = { host: '127.0.0.1', database: 'odoo', login: 'admin', workers: 4, perCallMs: 0, perRecordMs: 0, latencyMs: 0, limitTimeRealMs: 120_000 };

/** State, controls and the call pipeline (latency → faults → worker → commit → answer). */
export class OdooSimulator {
  readonly engine: OdooEngine;
  readonly pool: WorkerPool;
  readonly faults = new FaultInjector();
  readonly stats = new CallStats();
  readonly database: string;
  readonly login: string;
  readonly apiKeys: string[];
  latencyMs: number;
  limitTimeRealMs: number;
  outage: Outage | null = null;
  private outageTimer: NodeJS.Timeout | undefined;
  private server: http.Server | undefined;
  private sockets = new Set<Socket>();
  private listening: { port: number; host: string } | undefined;
  readonly persistence: FilePersistence | undefined;

  constructor(readonly options: OdooSimulatorOptions = {}) {
    this.database = options.database ?? DEFAULTS.database;
    this.login = options.login ?? DEFAULTS.login;
    this.apiKeys = options.apiKeys?.length ? [...options.apiKeys] : [randomKey()];
    this.latencyMs = options.latencyMs ?? DEFAULTS.latencyMs;
    this.limitTimeRealMs = options.limitTimeRealMs ?? DEFAULTS.limitTimeRealMs;
    this.pool = new WorkerPool(this.initialCapacity());
    this.engine = new OdooEngine(2);
    if (options.dataFile) {
      this.persistence = new FilePersistence(options.dataFile, this.engine.db);
      const persistence = this.persistence;
      this.engine.db.onCommit = () => persistence.changed();
      if (!persistence.load()) this.engine.reset(options.seedProducts ?? true);
    } else {
      this.engine.reset(options.seedProducts ?? true);
    }
  }

  get uid(): number {
    return this.engine.uid;
  }

  isValidKey(key: string | undefined): boolean {
    return key !== undefined && this.apiKeys.includes(key);
  }

  /** Runs one Odoo call through the simulated network, fault injection and worker pool. */
  async serve(call: CallSpec, req: Request): Promise<CallAnswer> {
    const leave = this.stats.enter(call.model, call.method);
    try {
      if (this.latencyMs) await sleep(this.latencyMs);
      const fault = this.faults.take(call.model, call.method);
      if (fault?.kind === 'rate_limit') {
        const retryAfter = String(fault.retryAfterSeconds ?? 1);
        return { kind: 'http', status: 429, title: 'Too Many Requests', headers: { 'Retry-After': retryAfter } };
      }
      if (fault?.kind === 'stall') return await this.stall(call, fault, req);
      const release = await this.pool.acquire();
      let answer: CallAnswer;
      let records = 1;
      try {
        answer = this.runWithFault(call, fault, (n) => (records = n));
        await sleep(this.pool.costMs(records));
      } finally {
        release();
      }
      if (fault?.kind === 'timeout') {
        await sleep(fault.holdMs ?? 5_000);
        if ((fault.timeoutMode ?? 'drop') === 'drop') {
          req.socket.destroy();
          return { kind: 'dropped' };
        }
      }
      return answer;
    } finally {
      leave();
    }
  }

  /**
   * A call that hangs in its worker. limit_time_real counts from the moment the worker took the
   * request: reaching it kills the worker, so a stall before the commit that outlasts it never
   * applies the call, and any stall that outlasts it ends with a dropped connection.
   */
  private async stall(call: CallSpec, fault: FaultSpec, req: Request): Promise<CallAnswer> {
    const release = await this.pool.acquire();
    const limit = this.limitTimeRealMs;
    const hold = fault.holdMs ?? 5_000;
    const killed = (): CallAnswer => {
      req.socket.destroy();
      return { kind: 'dropped' };
    };
    try {
      if ((fault.stage ?? 'before_commit') === 'before_commit') {
        await sleep(Math.min(hold, limit));
        return hold >= limit ? killed() : this.runWithFault(call, undefined, () => undefined);
      }
      const answer = this.runWithFault(call, undefined, () => undefined);
      await sleep(Math.min(hold, limit));
      return hold >= limit ? killed() : answer;
    } finally {
      release();
    }
  }

  setLimitTimeReal(ms: number): void {
    if (!(Number.isInteger(ms) && ms > 0)) throw new Error('limitTimeRealMs must be a positive integer');
    this.limitTimeRealMs = ms;
  }

  private runWithFault(call: CallSpec, fault: FaultSpec | undefined, setRecords: (n: number) => void): CallAnswer {
    switch (fault?.kind) {
      case 'http500':
        return { kind: 'http', status: 500, title: 'Internal Server Error' };
      case 'lock':
        return { kind: 'error', error: lockError() };
      case 'serialization':
        return { kind: 'error', error: serializationFailure() };
      case 'exception':
        return {
          kind: 'error',
          error: new SimulatedOdooException(fault.exceptionName ?? 'builtins.Exception', fault.message ?? 'Simulated server error', 500),
        };
      default:
        try {
          const { result, records } = call.run();
          setRecords(records);
          return { kind: 'result', result };
        } catch (error) {
          return { kind: 'error', error };
        }
    }
  }

  /** Answers requests while an outage is on; false lets the request through. */
  interceptOutage(req: Request, res: Response): boolean {
    if (!this.outage || req.path.startsWith('/__sim/')) return false;
    if (this.outage.mode === '503') {
      const headers: Record<string, string> =
        this.outage.retryAfterSeconds !== undefined ? { 'Retry-After': String(this.outage.retryAfterSeconds) } : {};
      sendHtmlStatus(res, 503, 'Service Unavailable', headers);
    } else {
      req.socket.destroy();
    }
    return true;
  }

  async setOutage(mode: OutageMode | null, opts: { durationMs?: number; retryAfterSeconds?: number } = {}): Promise<void> {
    clearTimeout(this.outageTimer);
    const wasRefused = this.outage?.mode === 'refused';
    this.outage = mode ? { mode, retryAfterSeconds: opts.retryAfterSeconds } : null;
    if (mode === 'refused' && !wasRefused) await this.stopListening();
    if (mode !== 'refused' && wasRefused) await this.listen();
    if (mode && opts.durationMs) {
      this.outageTimer = setTimeout(() => void this.setOutage(null), opts.durationMs);
      this.outageTimer.unref();
    }
  }

  setCapacity(settings: Partial<CapacitySettings>): CapacitySettings {
    const next = { ...this.pool.settings, ...settings };
    if (!(Number.isInteger(next.workers) && next.workers >= 1)) throw new Error('workers must be an integer >= 1');
    if (!(next.perCallMs >= 0 && next.perRecordMs >= 0)) throw new Error('perCallMs and perRecordMs must be >= 0');
    this.pool.resize(next);
    return next;
  }

  setClockOffset(ms: number): void {
    if (!Number.isFinite(ms)) throw new Error('offsetMs must be a number');
    this.engine.clockOffsetMs = ms;
  }

  setLatency(ms: number): void {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new Error('latency must be a number >= 0');
    this.latencyMs = ms;
  }

  injectFault(spec: FaultSpec): number {
    return this.faults.add(spec);
  }

  /** Back to the state at start: data, faults, outage, latency, capacity and counters. */
  async reset(): Promise<void> {
    this.engine.reset(this.options.seedProducts ?? true);
    this.persistence?.changed();
    this.faults.clear();
    await this.setOutage(null);
    this.latencyMs = this.options.latencyMs ?? DEFAULTS.latencyMs;
    this.engine.clockOffsetMs = 0;
    this.limitTimeRealMs = this.options.limitTimeRealMs ?? DEFAULTS.limitTimeRealMs;
    this.pool.resize(this.initialCapacity());
    this.resetStats();
  }

  resetStats(): void {
    this.stats.reset();
    this.pool.resetCounters();
  }

  statsSnapshot(windowSeconds?: number) {
    return {
      ...this.stats.snapshot(windowSeconds),
      workers: this.pool.settings.workers,
      busyWorkers: this.pool.busy,
      queued: this.pool.queued,
      maxBusyWorkers: this.pool.maxActive,
      maxQueued: this.pool.maxQueued,
    };
  }

  async start(app: http.RequestListener): Promise<string> {
    this.server = http.createServer(app);
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.listening = { port: this.options.port ?? 0, host: this.options.host ?? DEFAULTS.host };
    await this.listen();
    const address = this.server.address() as AddressInfo;
    this.listening.port = address.port;
    return `http://${this.listening.host}:${address.port}`;
  }

  async stop(): Promise<void> {
    clearTimeout(this.outageTimer);
    this.persistence?.flush();
    await this.stopListening();
    this.server = undefined;
  }

  private listen(): Promise<void> {
    const server = this.server!;
    const { port, host } = this.listening!;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private stopListening(): Promise<void> {
    const server = this.server;
    if (!server?.listening) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private initialCapacity(): CapacitySettings {
    return {
      workers: this.options.workers ?? DEFAULTS.workers,
      perCallMs: this.options.perCallMs ?? DEFAULTS.perCallMs,
      perRecordMs: this.options.perRecordMs ?? DEFAULTS.perRecordMs,
    };
  }
}

function randomKey(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex');
}
