import type { Pool, PoolClient } from 'pg';

/** Storage could not be reached; nothing of the request was committed. */
export class StorageUnavailableError extends Error {
  constructor(options: { cause: unknown }) {
    super(`storage unavailable: ${(options.cause as Error)?.message ?? String(options.cause)}`, options);
    this.name = 'StorageUnavailableError';
  }
}

const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '53400', '40001', '40P01']);
const UNAVAILABLE_SYSCALL_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** Connection loss, server shutdown, overload: retrying later can succeed. */
export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_SYSCALL_CODES.has(code))) return true;
  const message = error instanceof Error ? error.message : '';
  return /timeout exceeded when trying to connect|Connection terminated|connection timeout|Client has encountered a connection error/i.test(message);
}

/** Runs fn in one transaction; connection-level failures surface as StorageUnavailableError. */
export async function inTransaction<T>(pool: Pool, fn: (tx: PoolClient) => Promise<T>): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw new StorageUnavailableError({ cause: error });
  }
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    broken = isUnavailable(error);
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw broken ? new StorageUnavailableError({ cause: error }) : error;
  } finally {
    client.release(broken);
  }
}
