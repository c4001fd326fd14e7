import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The same server and credentials as `serverUrl`, pointing at another database. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

async function withClient<T>(serverUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  // Administrative statements run from the maintenance database so the target can be dropped.
  const client = new Client({ connectionString: databaseUrl(serverUrl, 'postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates the database when missing; returns its URL. Safe to call concurrently. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  await withClient(serverUrl, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return;
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    } catch (err) {
      // 42P04 duplicate_database, 23505 when two CREATEs race on the catalog index.
      const code = (err as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw err;
    }
  });
  return databaseUrl(serverUrl, name);
}

/**
 * Drops a database, forcing only as a last resort: a pool that has just been ended may still have
 * backends on their way out, and terminating them (FORCE) hands the closing client a FATAL
 * "administrator command" error that an owner without an 'error' listener cannot handle. So the
 * plain DROP is retried while the database is in use (55006), for up to two seconds.
 */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withClient(serverUrl, async (client) => {
    const target = client.escapeIdentifier(name);
    const deadline = Date.now() + 2_000;
    for (;;) {
      try {
        await client.query(`DROP DATABASE IF EXISTS ${target}`);
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== '55006') throw err;
        if (Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    await client.query(`DROP DATABASE IF EXISTS ${target} WITH (FORCE)`);
  });
}

/** A name unique across processes and runs: prefix, time and randomness, lower-case. */
export function uniqueName(prefix: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(prefix)) {
    throw new Error(`invalid name prefix ${JSON.stringify(prefix)}: use letters, digits, '.', '_' or '-'`);
  }
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the server named by DATABASE_URL. */
export async function createTestDatabase(prefix = 'test', serverUrl = process.env.DATABASE_URL): Promise<TestDatabase> {
  if (!serverUrl) throw new Error('DATABASE_URL is not set: run under the jest global setup or start the dev stack');
  const name = uniqueName(prefix).replace(/[.-]/g, '_').toLowerCase();
  const url = await ensureDatabase(serverUrl, name);
  return { url, drop: () => dropDatabase(serverUrl, name) };
}
