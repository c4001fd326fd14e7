/**
 * Every route of the console API refuses a request without the bearer token, or with a wrong one,
 * before it reads anything. The routes are taken from the router itself, so a new route is covered
 * without editing this test.
 */
import type { AddressInfo } from 'node:net';
import { createLogger } from '@retail-backbone/observability';
import express from 'express';
import { AuditLog } from '../src/audit';
import { createConsoleApi } from '../src/api/router';
import { openSources, type Sources } from '../src/sources';

const TOKEN = 'test-token-0123456789abcdefghij';
let sources: Sources;
let server: ReturnType<ReturnType<typeof express>['listen']>;
let base: string;
let routes: Array<{ method: string; path: string }>;

beforeAll(async () => {
  sources = openSources({ databaseUrl: process.env.DATABASE_URL!, kafkaBrokers: process.env.KAFKA_BROKERS!.split(',') });
  const router = createConsoleApi({ sources, audit: new AuditLog(sources.pool, 'ops_console_auth_test', 'test'), auth: { token: TOKEN }, logger: createLogger({ service: 'ops-console-test', level: 'error' }) });
  routes = (router.stack as Array<{ route?: { path: string; methods: Record<string, boolean> } }>)
    .filter((layer) => layer.route)
    .flatMap((layer) => Object.keys(layer.route!.methods).map((method) => ({ method: method.toUpperCase(), path: layer.route!.path.replace(/:(\w+)/g, '1') })));
  const app = express();
  app.use('/api', router);
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await sources.close();
});

it('finds the API routes on the router', () => {
  expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(expect.arrayContaining(['GET /search', 'POST /dead-letters/replay', 'GET /audit', 'GET /overview']));
  expect(routes.length).toBeGreaterThanOrEqual(10);
});

it('answers 401 on every route without a token, with a wrong token, and with the token sent as Basic or in a cookie', async () => {
  const answers: string[] = [];
  for (const { method, path } of routes) {
    const body = method === 'GET' ? undefined : JSON.stringify({ all: true, dlqTopic: 'x', id: '1' });
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong-token-0123456789abcdef' }, { authorization: `Basic ${Buffer.from(`ops:${TOKEN}`).toString('base64')}` }, { cookie: `token=${TOKEN}` }];
    for (const headers of attempts) {
      const res = await fetch(`${base}${path}?q=x`, { method, headers: { 'content-type': 'application/json', ...headers }, body });
      answers.push(`${method} ${path} ${Object.keys(headers)[0] ?? 'none'} -> ${res.status} ${res.headers.get('content-type')}`);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  }
  expect(answers.filter((a) => !/-> 401 application\/problem\+json/.test(a))).toEqual([]);
});

it('lets the token through to the route', async () => {
  const res = await fetch(`${base}/session`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ operator: { subject: 'local-token', via: 'token' } });
  const bad = await fetch(`${base}/search`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(bad.status).toBe(400);
  expect(await bad.json()).toMatchObject({ status: 400, field: 'q' });
});
