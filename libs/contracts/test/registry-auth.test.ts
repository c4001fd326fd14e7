import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventSerde } from '../src';

const USER = 'registry-user';
const PASSWORD = 'registry-password-0123';
const seen: IncomingHttpHeaders[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  // A registry stand-in that answers only requests carrying the expected basic credentials.
  server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    res.setHeader('content-type', 'application/vnd.schemaregistry.v1+json');
    if (req.headers.authorization !== expected) {
      res.statusCode = 401;
      res.end(JSON.stringify({ error_code: 401, message: 'Unauthorized' }));
      return;
    }
    res.end(JSON.stringify({ id: 7, subject: 'retail.orders.v1-OrderPlaced', version: 1, schema: '{}' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('schema registry basic auth', () => {
  it('sends SCHEMA_REGISTRY_USERNAME/PASSWORD as basic auth on registry calls', async () => {
    const before = { user: process.env.SCHEMA_REGISTRY_USERNAME, password: process.env.SCHEMA_REGISTRY_PASSWORD };
    process.env.SCHEMA_REGISTRY_USERNAME = USER;
    process.env.SCHEMA_REGISTRY_PASSWORD = PASSWORD;
    try {
      const serde = new EventSerde({ registryUrl: url, registryRetries: 0 });
      expect(await serde.schemaId('retail.orders.v1', 'OrderPlaced')).toBe(7);
    } finally {
      if (before.user === undefined) delete process.env.SCHEMA_REGISTRY_USERNAME;
      else process.env.SCHEMA_REGISTRY_USERNAME = before.user;
      if (before.password === undefined) delete process.env.SCHEMA_REGISTRY_PASSWORD;
      else process.env.SCHEMA_REGISTRY_PASSWORD = before.password;
    }
    expect(seen.at(-1)?.authorization).toMatch(/^Basic /);
  });

  it('is refused by a registry that wants credentials when none are configured', async () => {
    const serde = new EventSerde({ registryUrl: url, registryRetries: 0 });
    await expect(serde.schemaId('retail.orders.v1', 'OrderPlaced')).rejects.toThrow();
    expect(seen.at(-1)?.authorization).toBeUndefined();
  });

  it('takes explicit credentials over the environment', async () => {
    const serde = new EventSerde({ registryUrl: url, registryRetries: 0, registryAuth: { username: USER, password: PASSWORD } });
    expect(await serde.schemaId('retail.orders.v1', 'OrderPlaced')).toBe(7);
  });
});
