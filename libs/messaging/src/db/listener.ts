import type { Logger } from '@retail-backbone/observability';
import { ExponentialBackoff, type IBackoff } from 'cockatiel';
import pg from 'pg';
import { errorMessage } from '../errors';

export interface ListenConnectionOptions {
  /** Connection settings (a connection string, or a pool's options). */
  connection: string | pg.ClientConfig;
  channels: string[];
  logger: Logger;
  onNotification: (channel: string, payload: string | undefined) => void;
  /** Called with true once LISTEN is in place, with false when the connection is lost. */
  onState?: (listening: boolean) => void;
  /** Reconnect back-off bounds (default 100 ms .. 10 s, with jitter). */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * A dedicated connection that LISTENs on some channels and reconnects with exponential back-off
 * after any loss (backend terminated, server restart, network). Notifications sent while it is
 * away are lost, so users also poll; `onState(true)` after a reconnect is the cue to re-read.
 */
export class ListenConnection {
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private backoff: IBackoff<unknown> | undefined;
  private readonly policy: ExponentialBackoff<unknown>;
  private closed = false;
  private listening = false;

  constructor(private readonly options: ListenConnectionOptions) {
    this.policy = new ExponentialBackoff({ initialDelay: options.initialDelayMs ?? 100, maxDelay: options.maxDelayMs ?? 10_000 });
  }

  /** Tries once and resolves either way; a failed first attempt is retried in the background. */
  async start(): Promise<void> {
    this.closed = false;
    await this.connect();
  }

  isListening(): boolean {
    return this.listening;
  }

  async stop(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    this.setListening(false);
    await client?.end().catch(() => undefined);
  }

  private setListening(listening: boolean): void {
    if (this.listening === listening) return;
    this.listening = listening;
    this.options.onState?.(listening);
  }

  private async connect(): Promise<void> {
    const config = typeof this.options.connection === 'string' ? { connectionString: this.options.connection } : this.options.connection;
    const client = new pg.Client({ ...config, keepAlive: true });
    this.client = client;
    client.on('notification', (message) => {
      if (this.client === client) this.options.onNotification(message.channel, message.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('listen connection ended')));
    try {
      await client.connect();
      for (const channel of this.options.channels) await client.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.client !== client) return;
    this.backoff = undefined;
    this.setListening(true);
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.setListening(false);
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.backoff = (this.backoff ?? this.policy).next(undefined);
    const delay = Math.round(this.backoff.duration);
    this.options.logger.warn('LISTEN connection lost; reconnecting', {
      channels: this.options.channels,
      retry_in_ms: delay,
      error_message: errorMessage(error),
    });
    this.timer = setTimeout(() => void this.connect(), delay);
    this.timer.unref();
  }
}
