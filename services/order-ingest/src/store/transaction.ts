import { isInfrastructureError } from '@retail-backbone/messaging';
import type { Pool, PoolClient } from 'pg';

/** Storage could not be reached; nothing of the request was committed. */
export class StorageUnavailableError extends Error {
  constructor(options: { cause: unknown }) {
    super(`storage unavailable: ${(options.cause as Error)?.message ?? String(options.cause)}`, options);
    this.name = 'StorageUnavailableError';
  }
}

/**
 * Connection loss, server shutdown, overload, deadlock or serialization failure: retrying later
 * can succeed. The kit's one classifier decides, so ingest and the consumers agree.
 */
export function isUnavailable(error: unknown): boolean {
  return isInfrastructureError(error);
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
    client.release(broken ? true : undefined);
  }
}
