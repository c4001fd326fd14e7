import { Client } from 'pg';
import { createTestDatabase, startSchemaRegistry, uniqueName, type SchemaRegistry, type TestDatabase } from '../src';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

const record = (fields: object[]) => JSON.stringify({ type: 'record', name: 'Item', namespace: 'retail.test', fields });
const A_STRING = record([{ name: 'a', type: 'string' }]);
const A_STRING_DEFAULT = record([{ name: 'a', type: 'string', default: 'x' }]);
const EMPTY = record([]);
const A_INT = record([{ name: 'a', type: 'int' }]);
const A_INT_DEFAULT = record([{ name: 'a', type: 'int', default: 0 }]);
const A_STRING_B_DEFAULT = record([{ name: 'a', type: 'string' }, { name: 'b', type: ['null', 'long'], default: null }]);
const A_STRING_B_REQUIRED = record([{ name: 'a', type: 'string' }, { name: 'b', type: 'long' }]);

// Response bodies are whatever JSON the registry answers; assertions check their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let db: TestDatabase;
let registry: SchemaRegistry;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json; contentType: string | null }> {
  const res = await fetch(`${registry.url}${path}`, {
    method,
    headers: { 'content-type': CONTENT_TYPE },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, contentType: res.headers.get('content-type') };
}

async function register(subject: string, schema: string) {
  return call('POST', `/subjects/${subject}/versions`, { schema });
}

async function subjectWith(level: string, ...schemas: string[]): Promise<string> {
  const subject = uniqueName('lvl');
  expect((await call('PUT', `/config/${subject}`, { compatibility: 'NONE' })).status).toBe(200);
  for (const schema of schemas) expect((await register(subject, schema)).status).toBe(200);
  expect((await call('PUT', `/config/${subject}`, { compatibility: level })).status).toBe(200);
  return subject;
}

function expectError(res: { status: number; body: Json; contentType: string | null }, status: number, code: number) {
  expect({ status: res.status, code: res.body?.error_code }).toEqual({ status, code });
  expect(typeof res.body.message).toBe('string');
  expect(res.contentType).toContain(CONTENT_TYPE);
}

beforeAll(async () => {
  db = await createTestDatabase('registry_http');
  registry = await startSchemaRegistry({ databaseUrl: db.url });
});

afterAll(async () => {
  await registry?.stop();
  await db?.drop();
});

describe('read endpoints', () => {
  it('serves subjects, versions and schemas by id', async () => {
    const subject = uniqueName('read');
    const v1 = await register(subject, A_STRING);
    const v2 = await register(subject, A_STRING_B_DEFAULT);
    expect(v1.contentType).toContain(CONTENT_TYPE);
    expect((await call('GET', '/schemas/types')).body).toEqual(['AVRO']);
    expect((await call('GET', '/subjects')).body).toContain(subject);
    expect((await call('GET', `/subjects?subjectPrefix=${subject}`)).body).toEqual([subject]);
    expect((await call('GET', `/subjects/${subject}/versions`)).body).toEqual([1, 2]);
    expect((await call('GET', `/subjects/${subject}/versions/1`)).body).toEqual({ subject, version: 1, id: v1.body.id, schema: A_STRING });
    expect((await call('GET', `/subjects/${subject}/versions/latest`)).body).toMatchObject({ version: 2, id: v2.body.id });
    expect((await call('GET', `/subjects/${subject}/versions/-1`)).body).toMatchObject({ version: 2 });
    expect((await call('GET', `/subjects/${subject}/versions/1/schema`)).body).toEqual(JSON.parse(A_STRING));
    expect((await call('GET', `/schemas/ids/${v1.body.id}`)).body).toEqual({ schema: A_STRING });
    expect((await call('GET', `/schemas/ids/${v1.body.id}/schema`)).body).toEqual(JSON.parse(A_STRING));
    const other = uniqueName('read-other');
    await register(other, A_STRING);
    expect((await call('GET', `/schemas/ids/${v1.body.id}/subjects`)).body).toEqual(expect.arrayContaining([subject, other]));
    expect((await call('GET', `/schemas/ids/${v1.body.id}/versions`)).body).toEqual(
      expect.arrayContaining([{ subject, version: 1 }, { subject: other, version: 1 }]),
    );
  });

  it('looks a schema up under a subject', async () => {
    const subject = uniqueName('lookup');
    const { body } = await register(subject, A_STRING);
    const spaced = JSON.stringify(JSON.parse(A_STRING), null, 4);
    expect((await call('POST', `/subjects/${subject}`, { schema: spaced })).body).toEqual({ subject, version: 1, id: body.id, schema: A_STRING });
    expectError(await call('POST', `/subjects/${subject}`, { schema: A_INT }), 404, 40403);
    expectError(await call('POST', `/subjects/${uniqueName('none')}`, { schema: A_STRING }), 404, 40401);
  });

  it('re-registering an existing schema returns its id without a new version', async () => {
    const subject = uniqueName('idem');
    const first = await register(subject, A_STRING);
    await register(subject, A_STRING_B_DEFAULT);
    expect((await register(subject, A_STRING)).body).toEqual(first.body);
    expect((await call('GET', `/subjects/${subject}/versions`)).body).toEqual([1, 2]);
  });

  it('gives one id to concurrent registrations of one schema', async () => {
    const subject = uniqueName('race');
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => register(i % 2 ? subject : `${subject}-b`, A_STRING_B_REQUIRED)));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect((await call('GET', `/subjects/${subject}/versions`)).body).toEqual([1]);
  });
});

describe('deletion', () => {
  it('soft-deletes and permanently deletes versions and subjects', async () => {
    const subject = uniqueName('del');
    await register(subject, A_STRING);
    await register(subject, A_STRING_B_DEFAULT);
    expectError(await call('DELETE', `/subjects/${subject}/versions/1?permanent=true`), 404, 40407);
    expect((await call('DELETE', `/subjects/${subject}/versions/1`)).body).toBe(1);
    expectError(await call('DELETE', `/subjects/${subject}/versions/1`), 404, 40406);
    expectError(await call('GET', `/subjects/${subject}/versions/1`), 404, 40402);
    expect((await call('GET', `/subjects/${subject}/versions/1?deleted=true`)).body).toMatchObject({ version: 1 });
    expect((await call('GET', `/subjects/${subject}/versions`)).body).toEqual([2]);
    expect((await call('GET', `/subjects/${subject}/versions?deleted=true`)).body).toEqual([1, 2]);
    expect((await call('DELETE', `/subjects/${subject}/versions/1?permanent=true`)).body).toBe(1);

    expectError(await call('DELETE', `/subjects/${subject}?permanent=true`), 404, 40405);
    expect((await call('DELETE', `/subjects/${subject}`)).body).toEqual([2]);
    expectError(await call('DELETE', `/subjects/${subject}`), 404, 40404);
    expect((await call('GET', '/subjects')).body).not.toContain(subject);
    expect((await call('GET', '/subjects?deleted=true')).body).toContain(subject);
    expectError(await call('GET', `/subjects/${subject}/versions`), 404, 40401);
    expect((await call('DELETE', `/subjects/${subject}?permanent=true`)).body).toEqual([2]);
    expectError(await call('DELETE', `/subjects/${subject}`), 404, 40401);
  });

  it('keeps schemas readable by id until their last version is permanently deleted', async () => {
    const subject = uniqueName('byid');
    const schema = record([{ name: uniqueName('f').replace(/-/g, '_'), type: 'string' }]);
    const { body } = await register(subject, schema);
    await call('DELETE', `/subjects/${subject}`);
    expect((await call('GET', `/schemas/ids/${body.id}`)).status).toBe(200);
    await call('DELETE', `/subjects/${subject}?permanent=true`);
    expectError(await call('GET', `/schemas/ids/${body.id}`), 404, 40403);
  });
});

describe('errors', () => {
  it('answers each not-found and invalid-input case with its code', async () => {
    const subject = uniqueName('err');
    await register(subject, A_STRING);
    expectError(await call('GET', `/subjects/${uniqueName('none')}/versions`), 404, 40401);
    expectError(await call('GET', `/subjects/${uniqueName('none')}/versions/1`), 404, 40401);
    expectError(await call('GET', `/subjects/${subject}/versions/7`), 404, 40402);
    expectError(await call('GET', '/schemas/ids/987654'), 404, 40403);
    expectError(await call('GET', `/config/${subject}`), 404, 40408);
    expectError(await register(subject, '{"type": "record", "name": "X"'), 422, 42201);
    expectError(await register(subject, '{"type": "record", "name": "X", "fields": [{"name": "a", "type": "nope"}]}'), 422, 42201);
    expectError(await call('POST', `/subjects/${subject}/versions`, {}), 422, 42201);
    expectError(await call('POST', `/subjects/${subject}/versions`, { schema: '{"type":"object"}', schemaType: 'JSON' }), 422, 42201);
    expectError(await call('POST', `/subjects/${subject}/versions`, { schema: 'syntax = "proto3";', schemaType: 'PROTOBUF' }), 422, 42201);
    expectError(await call('GET', `/subjects/${subject}/versions/abc`), 422, 42202);
    expectError(await call('GET', `/subjects/${subject}/versions/0`), 422, 42202);
    expectError(await call('PUT', '/config', { compatibility: 'SOMETIMES' }), 422, 42203);
    expectError(await call('PUT', `/config/${subject}`, {}), 422, 42203);
    expectError(await call('POST', `/subjects/${subject}/versions`, '{not json'), 400, 400);
    expectError(await call('GET', '/no/such/route'), 404, 404);
  });

  it('answers 50001 when the store fails', async () => {
    const broken = await createTestDatabase('registry_broken');
    const brokenRegistry = await startSchemaRegistry({ databaseUrl: broken.url });
    try {
      const admin = new Client({ connectionString: broken.url });
      await admin.connect();
      await admin.query('DROP SCHEMA schema_registry CASCADE');
      await admin.end();
      const res = await fetch(`${brokenRegistry.url}/subjects`);
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ error_code: 50001 });
    } finally {
      await brokenRegistry.stop();
      await broken.drop();
    }
  });
});

describe('config', () => {
  it('reads, sets and deletes global and subject levels', async () => {
    const subject = uniqueName('cfg');
    expect((await call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect((await call('GET', `/config/${subject}?defaultToGlobal=true`)).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect((await call('PUT', `/config/${subject}`, { compatibility: 'full_transitive' })).body).toEqual({ compatibility: 'FULL_TRANSITIVE' });
    expect((await call('GET', `/config/${subject}`)).body).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' });
    expect((await call('DELETE', `/config/${subject}`)).body).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' });
    expectError(await call('GET', `/config/${subject}`), 404, 40408);
    expectError(await call('DELETE', `/config/${subject}`), 404, 40401);
  });
});

describe('compatibility levels', () => {
  // [level, existing versions, passing candidate, failing candidate]
  const cases: [string, string[], string, string][] = [
    ['BACKWARD', [A_STRING], A_STRING_B_DEFAULT, A_STRING_B_REQUIRED],
    ['FORWARD', [A_STRING], A_STRING_B_REQUIRED, EMPTY],
    ['FULL', [A_STRING], A_STRING_B_DEFAULT, A_STRING_B_REQUIRED],
    // v3 passes against the latest only; the transitive level also checks v1 and refuses it.
    ['BACKWARD_TRANSITIVE', [A_STRING, EMPTY], A_STRING_DEFAULT, A_INT_DEFAULT],
    ['FORWARD_TRANSITIVE', [A_STRING_DEFAULT, EMPTY], A_STRING, A_INT],
    ['FULL_TRANSITIVE', [A_STRING_DEFAULT, EMPTY], A_STRING_DEFAULT, A_INT_DEFAULT],
  ];

  it.each(cases)('%s accepts a compatible schema and refuses an incompatible one', async (level, versions, good, bad) => {
    const subject = await subjectWith(level, ...versions);
    const verbose = await call('POST', `/compatibility/subjects/${subject}/versions?verbose=true`, { schema: bad });
    expect(verbose.body.is_compatible).toBe(false);
    expect(verbose.body.messages.length).toBeGreaterThan(0);
    expect((await call('POST', `/compatibility/subjects/${subject}/versions`, { schema: good })).body).toEqual({ is_compatible: true });
    const refused = await register(subject, bad);
    expectError(refused, 409, 40901);
    expect(refused.body.message).toContain(level);
    expect((await register(subject, good)).status).toBe(200);
  });

  it.each([
    ['BACKWARD', [A_STRING, EMPTY], A_INT_DEFAULT],
    ['FORWARD', [A_STRING_DEFAULT, EMPTY], A_INT],
    ['FULL', [A_STRING_DEFAULT, EMPTY], A_INT_DEFAULT],
  ])('%s only checks the latest version', async (level, versions, candidate) => {
    const subject = await subjectWith(level as string, ...(versions as string[]));
    expect((await register(subject, candidate as string)).status).toBe(200);
  });

  it('NONE accepts anything', async () => {
    const subject = await subjectWith('NONE', A_STRING);
    expect((await register(subject, '"string"')).status).toBe(200);
  });

  it('tests against one given version', async () => {
    const subject = await subjectWith('BACKWARD_TRANSITIVE', A_STRING, EMPTY);
    expect((await call('POST', `/compatibility/subjects/${subject}/versions/2`, { schema: A_INT_DEFAULT })).body).toEqual({ is_compatible: true });
    expect((await call('POST', `/compatibility/subjects/${subject}/versions/1`, { schema: A_INT_DEFAULT })).body).toEqual({ is_compatible: false });
    expectError(await call('POST', `/compatibility/subjects/${subject}/versions/9`, { schema: A_INT_DEFAULT }), 404, 40402);
    expectError(await call('POST', `/compatibility/subjects/${uniqueName('none')}/versions/latest`, { schema: A_INT }), 404, 40401);
  });

  it('matches names without namespaces, as Confluent does', async () => {
    const subject = await subjectWith('FULL', A_STRING);
    const moved = JSON.stringify({ ...JSON.parse(A_STRING), namespace: 'elsewhere' });
    expect((await call('POST', `/compatibility/subjects/${subject}/versions/latest`, { schema: moved })).body).toEqual({ is_compatible: true });
  });
});
