import { postgresConnection } from '@retail-backbone/connections';
import type { Logger } from '@retail-backbone/observability';
import pg from 'pg';

export interface StockChangeHandlers {
  listening(): void;
  lost(): void;
  changed(payload: string | undefined): void;
}

/** A dedicated connection LISTENing on the stock-changes channel; reconnects after a loss. */
export class StockChangeListener {
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly options: { connectionString: string; channel: string; logger: Logger; reconnectMs?: number },
    private readonly handlers: StockChangeHandlers,
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
    this.options.logger.warn('availability cache off until LISTEN is back', { channel: this.options.channel, error });
    this.retry = setTimeout(() => void this.listen(), this.options.reconnectMs ?? 1_000);
    this.retry.unref();
  }
}
