import type { Pool, PoolClient } from 'pg';
import { isInfrastructureError } from '../errors';

export interface TransactionOptions {
  /** The statement that opens the transaction (default `BEGIN`), e.g. `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`. */
  begin?: string;
}

/**
 * Runs `work` in one transaction on a pooled connection: COMMIT when it resolves, ROLLBACK when
 * it throws (the error is rethrown as it is). A connection that failed (an outage, by the one
 * classifier, or a ROLLBACK that could not be sent) is discarded instead of being handed to the
 * next transaction, so a terminated backend never poisons the pool.
 */
export async function withTransaction<T>(pool: Pool, work: (tx: PoolClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const tx = await pool.connect();
  let broken = false;
  try {
    await tx.query(options.begin ?? 'BEGIN');
    const result = await work(tx);
    await tx.query('COMMIT');
    return result;
  } catch (error) {
    broken = isInfrastructureError(error);
    await tx.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    tx.release(broken ? true : undefined);
  }
}
