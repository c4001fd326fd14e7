import { postgresConnection } from '@retail-backbone/connections';
import type { Logger } from '@retail-backbone/observability';
import pg from 'pg';

export interface PgListenerHandlers {
  listening(): void;
  lost(): void;
  changed(payload: string | undefined): void;
}

/**
 * A dedicated connection LISTENing on one channel; reconnects after a loss. `lost` is called
 * whenever notifications may have been missed, so a cache fed by them can drop what it holds.
 */
export class PgListener {
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly options: { connectionString: string; channel: string; logger: Logger; reconnectMs?: number },
    private readonly handlers: PgListenerHandlers,
  ) {}

  /** Resolves once listening, or once the first attempt failed (retried in the background). */
  async start(): Promise<void> {
    await this.listen();
  }

  async stop(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    this.handlers.lost();
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ ...postgresConnection(this.options.connectionString) });
    this.client = client;
    const lost = (error: unknown) => this.lost(client, error);
    client.on('notification', (message) => {
      if (this.client === client) this.handlers.changed(message.payload);
    });
    client.on('error', lost);
    client.on('end', () => lost(undefined));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.options.channel}"`);
    } catch (error) {
      lost(error);
      return;
    }
    if (this.client === client) this.handlers.listening();
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.handlers.lost();
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.options.logger.warn('notifications off until LISTEN is back', { channel: this.options.channel, error });
    this.retry = setTimeout(() => void this.listen(), this.options.reconnectMs ?? 1_000);
    this.retry.unref();
  }
}
