import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../src';

async function query(url: string, sql: string, params: unknown[] = []) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  it('starts a throwaway cluster with dev settings, creates databases and removes its files on stop', async () => {
    const pg = await startEmbeddedPostgres();
    try {
      expect(pg.host).toBe('127.0.0.1');
      expect(pg.persistent).toBe(false);
      const settings = await query(pg.url, `SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'max_connections') ORDER BY name`);
      expect(settings).toEqual([
        { name: 'fsync', setting: 'off' },
        { name: 'full_page_writes', setting: 'off' },
        { name: 'max_connections', setting: '300' },
        { name: 'synchronous_commit', setting: 'off' },
      ]);
      const url = await pg.createDatabase('orders_test');
      expect(await pg.createDatabase('orders_test')).toBe(url);
      expect(await query(url, 'SELECT current_database() AS db')).toEqual([{ db: 'orders_test' }]);
      await pg.dropDatabase('orders_test');
      await expect(query(url, 'SELECT 1')).rejects.toThrow(/does not exist/);
    } finally {
      await pg.stop();
    }
    expect(fs.existsSync(pg.dataDir)).toBe(false);
    await expect(query(pg.url, 'SELECT 1')).rejects.toThrow();
  });

  it('keeps data in a persistent data dir across restarts, and --fresh discards it', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'devstack-test-'));
    // Reachable by the unprivileged server account when the test runs as root.
    fs.chmodSync(parent, 0o755);
    const dataDir = path.join(parent, 'pg');
    try {
      const first = await startEmbeddedPostgres({ dataDir });
      try {
        expect(first.dataDir).toBe(dataDir);
        const url = await first.createDatabase('kept');
        await query(url, 'CREATE TABLE t (v text)');
        await query(url, 'INSERT INTO t VALUES ($1)', ['survives']);
      } finally {
        await first.stop();
      }
      expect(fs.existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);

      const second = await startEmbeddedPostgres({ dataDir });
      try {
        expect(await query(second.urlFor('kept'), 'SELECT v FROM t')).toEqual([{ v: 'survives' }]);
      } finally {
        await second.stop();
      }

      const fresh = await startEmbeddedPostgres({ dataDir, fresh: true });
      try {
        expect(await query(fresh.url, `SELECT count(*)::int AS n FROM pg_database WHERE datname = 'kept'`)).toEqual([{ n: 0 }]);
      } finally {
        await fresh.stop();
      }
    } finally {
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });
});
