import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type express from 'express';
import { Faults, RateLimiter } from './faults';
import { IdempotencyKeys } from './idempotency';
import { Ledger } from './ledger';

/** 'refused': the listening socket is closed (connections refused); '503': answered, nothing done. */
export type OutageMode = 'refused' | '503';

export interface LoyaltySimulatorOptions {
  port?: number;
  host?: string;
  apiKey?: string;
  /** Requests per second the API key may make (default 50); Infinity for none. */
  ratePerSecond?: number;
  /**
   * Enrol an unknown reference as a new member on its first transaction instead of answering
   * unknown_member: for `pnpm start`, whose demo customers nobody enrolled. Off by default.
   */
  autoEnroll?: boolean;
}

export class LoyaltySimulator {
  readonly ledger = new Ledger();
  readonly keys = new IdempotencyKeys();
  readonly faults = new Faults();
  readonly limiter: RateLimiter;
  readonly apiKey: string;
  readonly stats = { requests: 0, applied: 0 };
  outageMode: OutageMode | null = null;
  readonly autoEnroll: boolean;
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private port: number;
  private readonly host: string;
  private outageTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LoyaltySimulatorOptions = {}) {
    this.apiKey = options.apiKey ?? 'loyalty-dev-key';
    this.autoEnroll = options.autoEnroll ?? false;
    this.limiter = new RateLimiter(options.ratePerSecond ?? 50);
    this.port = options.port ?? 0;
    this.host = options.host ?? '127.0.0.1';
  }

  async start(app: express.Express): Promise<string> {
    this.server = http.createServer(app);
    this.server.keepAliveTimeout = 5_000;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await this.listen();
    this.port = (this.server.address() as AddressInfo).port;
    return `http://${this.host}:${this.port}`;
  }

  async setOutage(mode: OutageMode | null, opts: { durationMs?: number } = {}): Promise<void> {
    clearTimeout(this.outageTimer);
    const wasRefused = this.outageMode === 'refused';
    this.outageMode = mode;
    if (mode === 'refused' && !wasRefused) await this.stopListening();
    if (mode !== 'refused' && wasRefused) await this.listen();
    if (mode && opts.durationMs) {
      this.outageTimer = setTimeout(() => void this.setOutage(null), opts.durationMs);
      this.outageTimer.unref();
    }
  }

  async reset(): Promise<void> {
    await this.setOutage(null);
    this.ledger.clear();
    this.keys.clear();
    this.faults.clear();
    this.limiter.setRate(this.options.ratePerSecond ?? 50);
    this.stats.requests = 0;
    this.stats.applied = 0;
  }

  async stop(): Promise<void> {
    clearTimeout(this.outageTimer);
    await this.stopListening();
    this.server = undefined;
  }

  private listen(): Promise<void> {
    const server = this.server!;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
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
}
