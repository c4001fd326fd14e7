import type { Pool, PoolClient } from 'pg';

export interface TransactionHooks {
  /** Runs in the transaction right before its COMMIT is sent; a rejection makes the caller roll back. */
  beforeCommit(tx: PoolClient): Promise<void>;
  /** The transaction ended without `beforeCommit` work being kept (ROLLBACK, or the client was released). */
  discard(tx: PoolClient): void;
}

function statementText(args: unknown[]): string | undefined {
  const first = args[0];
  return typeof first === 'string' ? first.trim().toUpperCase() : undefined;
}

/**
 * A view of `pool` whose clients run `hooks.beforeCommit` when their user sends COMMIT.
 *
 * The messaging ConsumerRunner calls its handler once per message inside a transaction of up to
 * 50 messages and offers no end-of-transaction callback; this lets the projector defer the work of
 * all of a transaction's messages to one flush without changing the runner. Only the transaction
 * control statements the runner sends as plain strings ('BEGIN', 'COMMIT', 'ROLLBACK') are looked at.
 */
export function withTransactionHooks(pool: Pool, hooks: TransactionHooks): Pool {
  const wrap = (client: PoolClient): PoolClient => {
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    const release = client.release.bind(client);
    return new Proxy(client, {
      get(target, property, receiver) {
        if (property === 'query') {
          return async (...args: unknown[]) => {
            const text = statementText(args);
            if (text === 'COMMIT') await hooks.beforeCommit(receiver as PoolClient);
            else if (text === 'ROLLBACK' || text === 'BEGIN') hooks.discard(receiver as PoolClient);
            return query(...args);
          };
        }
        if (property === 'release') {
          return (error?: Error | boolean) => {
            hooks.discard(receiver as PoolClient);
            release(error);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  return new Proxy(pool, {
    get(target, property) {
      if (property === 'connect') {
        return async () => wrap(await target.connect());
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
