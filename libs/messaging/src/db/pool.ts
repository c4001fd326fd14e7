import { postgresConnection } from '@retail-backbone/connections';
import type { Logger } from '@retail-backbone/observability';
import pg from 'pg';
import { errorMessage } from '../errors';

export interface DatabasePoolOptions {
  connectionString: string;
  /** Names the pool in log lines (e.g. 'main', 'relay'). */
  name?: string;
  max?: number;
  /** A checkout waits at most this long for a connection (default 5 s), so an outage fails fast. */
  connectionTimeoutMillis?: number;
  idleTimeoutMillis?: number;
  /** Server-side statement timeout for every connection, in ms (default: none). */
  statementTimeoutMillis?: number;
  logger: Logger;
  applicationName?: string;
}

/**
 * A pg.Pool that survives losing any of its connections. pg-pool listens for 'error' only on idle
 * clients: a backend terminated while its client is checked out (between two statements of a
 * transaction, or while a handler awaits something else) emits 'error' on a client nobody listens
 * to, and Node exits. Every client gets a permanent listener here; the statement in flight still
 * rejects (classified as infrastructure), and pg-pool drops the broken client at release.
 */
export function createDatabasePool(options: DatabasePoolOptions): pg.Pool {
  const name = options.name ?? 'main';
  const pool = new pg.Pool({
    // DATABASE_SSL_MODE and friends (libs/connections) apply to every pool the kit opens.
    ...postgresConnection(options.connectionString),
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: options.idleTimeoutMillis ?? 30_000,
    keepAlive: true,
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
    ...(options.statementTimeoutMillis ? { statement_timeout: options.statementTimeoutMillis } : {}),
  });
  let lastWarnAt = 0;
  const warn = (message: string, error: unknown) => {
    // A failover drops every connection at once: one line per second is enough to say so.
    const now = Date.now();
    if (now - lastWarnAt < 1_000) return;
    lastWarnAt = now;
    options.logger.warn(message, { pool: name, error_message: errorMessage(error) });
  };
  pool.on('error', (error) => warn('idle database connection lost', error));
  pool.on('connect', (client) => {
    client.on('error', (error) => warn('database connection lost', error));
  });
  return pool;
}

/**
 * A readiness probe: the database answers a trivial query within `timeoutMs`. It throws while the
 * database is unreachable, so /readyz turns false during an outage instead of hanging.
 */
export function databaseReadiness(pool: pg.Pool, timeoutMs = 2_000): () => Promise<void> {
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`database did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([pool.query('SELECT 1'), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}
