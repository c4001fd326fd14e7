import { isInfrastructureError, withTransaction } from '@retail-backbone/messaging';
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

/**
 * The kit's withTransaction, with outages (connection lost or unobtainable) surfacing as
 * StorageUnavailableError so the HTTP layer answers 503 and nothing of the request is kept.
 */
export async function inTransaction<T>(pool: Pool, fn: (tx: PoolClient) => Promise<T>): Promise<T> {
  try {
    return await withTransaction(pool, fn);
  } catch (error) {
    throw isUnavailable(error) && !(error instanceof StorageUnavailableError) ? new StorageUnavailableError({ cause: error }) : error;
  }
}
