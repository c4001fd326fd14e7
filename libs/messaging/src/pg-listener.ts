import { postgresConnection } from '@retail-backbone/connections';
import type { Logger } from '@retail-backbone/observability';
import { ListenConnection } from './db/listener';

export interface PgListenerHandlers {
  listening(): void;
  lost(): void;
  changed(payload: string | undefined): void;
}

/**
 * One channel of a ListenConnection, for caches fed by notifications: `lost` is called whenever
 * notifications may have been missed (connection lost, or stopped), so the cache drops what it holds.
 */
export class PgListener {
  private readonly connection: ListenConnection;

  constructor(
    options: { connectionString: string; channel: string; logger: Logger; reconnectMs?: number },
    private readonly handlers: PgListenerHandlers,
  ) {
    this.connection = new ListenConnection({
      connection: { ...postgresConnection(options.connectionString) },
      channels: [options.channel],
      logger: options.logger,
      onNotification: (_channel, payload) => handlers.changed(payload),
      onState: (listening) => (listening ? handlers.listening() : handlers.lost()),
      ...(options.reconnectMs ? { initialDelayMs: options.reconnectMs } : {}),
    });
  }

  /** Resolves once listening, or once the first attempt failed (retried in the background). */
  async start(): Promise<void> {
    await this.connection.start();
  }

  isListening(): boolean {
    return this.connection.isListening();
  }

  async stop(): Promise<void> {
    await this.connection.stop();
    this.handlers.lost();
  }
}
