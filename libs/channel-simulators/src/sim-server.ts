import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How a simulated outage looks from the caller: 'refused' (nothing listens), 'reset' (the
 * connection is dropped before an answer, nothing applied) or '503' with Retry-After.
 */
export type OutageMode = 'refused' | 'reset' | '503';

/** One scripted fault, consumed by the next matching request. */
export type Fault =
  /** Answer with this status (and body) without applying anything. */
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Apply the request, then drop the connection before answering: the caller cannot tell. */
  | { kind: 'drop-after-apply' }
  /** Hold the request this long before handling it (a slow channel). */
  | { kind: 'delay'; ms: number };

export interface RequestLogEntry {
  at: number;
  method: string;
  path: string;
  status: number;
}

/**
 * The HTTP part every channel simulator shares: an express app on loopback, outages, scripted
 * faults, added latency and a log of the requests answered, all controllable from tests.
 */
export class SimServer {
  readonly app: Express;
  latencyMs = 0;
  outage: { mode: OutageMode; retryAfterSeconds: number } | null = null;
  readonly requests: RequestLogEntry[] = [];
  private readonly faults: Fault[] = [];
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private bound: { port: number; host: string } | undefined;
  /** Set by a handler that applied its change: a 'drop-after-apply' fault then drops the answer. */
  private dropPending = new WeakSet<Request>();

  constructor(readonly name: string) {
    this.app = express();
    this.app.disable('x-powered-by');
    this.app.use((req, res, next) => void this.gate(req, res, next));
  }

  get url(): string {
    if (!this.bound) throw new Error(`${this.name} simulator is not listening`);
    return `http://${this.bound.host}:${this.bound.port}`;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<void> {
    const server = http.createServer(this.app);
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    this.bound = { port: (server.address() as AddressInfo).port, host };
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Starts an outage; 'refused' closes the listening socket (the port is kept for the end). */
  async startOutage(mode: OutageMode = '503', retryAfterSeconds = 5): Promise<void> {
    this.outage = { mode, retryAfterSeconds };
    if (mode === 'refused') await this.close();
  }

  async endOutage(): Promise<void> {
    const was = this.outage;
    this.outage = null;
    if (was?.mode === 'refused' && !this.server && this.bound) await this.listen(this.bound.port, this.bound.host);
  }

  /** Queues faults for the next requests that reach a handler (control requests excepted). */
  inject(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /**
   * Called by a handler once it applied its change and is about to answer: true when a
   * 'drop-after-apply' fault took the answer away (the handler must not answer then).
   */
  droppedAfterApply(req: Request, res: Response): boolean {
    if (!this.dropPending.has(req)) return false;
    this.log(req, 0);
    res.socket?.destroy();
    return true;
  }

  private log(req: Request, status: number): void {
    this.requests.push({ at: Date.now(), method: req.method, path: req.path, status });
    if (this.requests.length > 10_000) this.requests.splice(0, 5_000);
  }

  private async gate(req: Request, res: Response, next: NextFunction): Promise<void> {
    res.on('finish', () => this.log(req, res.statusCode));
    if (req.path.startsWith('/_sim')) return next();
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    if (this.outage?.mode === 'reset') {
      this.log(req, 0);
      req.socket.destroy();
      return;
    }
    if (this.outage) {
      res.status(503).set('Retry-After', String(this.outage.retryAfterSeconds)).type('text/plain').send('Service Unavailable');
      return;
    }
    const fault = this.faults.shift();
    if (fault?.kind === 'delay') await sleep(fault.ms);
    if (fault?.kind === 'status') {
      res.status(fault.status).set(fault.headers ?? {});
      if (fault.body === undefined) res.end();
      else res.json(fault.body);
      return;
    }
    if (fault?.kind === 'drop-after-apply') this.dropPending.add(req);
    next();
  }
}

/** Body parser for the simulators' JSON APIs (the raw body kept for signature checks). */
export function jsonBody(limit = '1mb') {
  return express.json({
    limit,
    verify: (req, _res, buf) => {
      (req as unknown as { rawBody: Buffer }).rawBody = Buffer.from(buf);
    },
  });
}

export function rawBodyOf(req: Request): Buffer {
  return (req as unknown as { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
}
