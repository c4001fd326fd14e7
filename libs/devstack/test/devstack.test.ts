import { Client } from 'pg';
import { createTestDatabase, startDevStack, uniqueName } from '../src';

describe('startDevStack', () => {
  it('starts PostgreSQL and the registry without Kafka, and stops them', async () => {
    const stack = await startDevStack({ kafka: false, env: {} });
    try {
      expect(stack.env.KAFKA_BROKERS).toBe('');
      expect(stack.env.DATABASE_URL).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/postgres$/);
      expect(stack.startupMs).toBeGreaterThan(0);
      const res = await fetch(`${stack.env.SCHEMA_REGISTRY_URL}/subjects`);
      expect(await res.json()).toEqual([]);
      const client = new Client({ connectionString: stack.env.DATABASE_URL });
      await client.connect();
      await client.end();
    } finally {
      await stack.stop();
    }
    await expect(fetch(`${stack.env.SCHEMA_REGISTRY_URL}/subjects`)).rejects.toThrow();
  });

  it('uses DATABASE_URL, SCHEMA_REGISTRY_URL and KAFKA_BROKERS from the environment instead of starting its own', async () => {
    const db = await createTestDatabase('override');
    try {
      const withDatabase = await startDevStack({ kafka: false, env: { DATABASE_URL: db.url } });
      try {
        expect(withDatabase.env.DATABASE_URL).toBe(db.url);
        const subject = uniqueName('override');
        const res = await fetch(`${withDatabase.env.SCHEMA_REGISTRY_URL}/subjects/${subject}/versions`, {
          method: 'POST',
          body: JSON.stringify({ schema: '"string"' }),
        });
        expect(res.status).toBe(200);
        // The registry keeps its state in the given database.
        const client = new Client({ connectionString: db.url });
        await client.connect();
        const rows = (await client.query('SELECT subject FROM schema_registry.subject_versions')).rows;
        await client.end();
        expect(rows).toEqual([{ subject }]);
      } finally {
        await withDatabase.stop();
      }

      const external = { DATABASE_URL: db.url, SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1', KAFKA_BROKERS: '127.0.0.1:2' };
      const passthrough = await startDevStack({ env: external });
      expect(passthrough.env).toEqual(external);
      await passthrough.stop();
    } finally {
      await db.drop();
    }
  });
});

describe('test helpers', () => {
  it('the jest global setup exported the stack to the workers', () => {
    expect(process.env.DATABASE_URL).toBeTruthy();
    expect(process.env.SCHEMA_REGISTRY_URL).toBeTruthy();
    expect(process.env.KAFKA_BROKERS).toBeTruthy();
  });

  it('createTestDatabase gives an empty database and drops it', async () => {
    const db = await createTestDatabase('helper');
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const tables = await client.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`);
    await client.end();
    expect(tables.rows).toEqual([{ n: 0 }]);
    await db.drop();
    const again = new Client({ connectionString: db.url });
    await expect(again.connect()).rejects.toThrow(/does not exist/);
  });

  it('uniqueName gives distinct names and rejects bad prefixes', () => {
    const names = new Set(Array.from({ length: 100 }, () => uniqueName('retail.orders')));
    expect(names.size).toBe(100);
    expect([...names][0]).toMatch(/^retail\.orders-[a-z0-9]+-[0-9a-f]{8}$/);
    expect(() => uniqueName('bad name')).toThrow(/invalid name prefix/);
  });
});
