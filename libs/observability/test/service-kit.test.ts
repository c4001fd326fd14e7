import { PassThrough } from 'node:stream';
import { Gauge } from 'prom-client';
import { createLogger } from '../src/logger';
import { createMetricsRegistry } from '../src/metrics';
import { baseServiceEnv, baseServiceSettings, ConfigError, env, loadConfig, z } from '../src/service/config';
import { createHttpApp, listen } from '../src/service/http';
import { Lifecycle } from '../src/service/lifecycle';
import { withCorrelationId } from '../src/correlation';

function capture() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  const logger = createLogger({ service: 'kit-test', stream, level: 'debug' });
  const lines = () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines };
}

describe('config', () => {
  it('reports every missing or invalid variable by name in one error', () => {
    let error: unknown;
    try {
      loadConfig(baseServiceEnv, { HTTP_PORT: 'eighty', DATABASE_URL: 'not a url', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        'KAFKA_BROKERS: is required but not set',
        'SCHEMA_REGISTRY_URL: is required but not set',
        expect.stringMatching(/^HTTP_PORT: /),
        expect.stringMatching(/^DATABASE_URL: /),
        expect.stringMatching(/^LOG_LEVEL: /),
      ]),
    );
    expect((error as Error).message).toContain('  - KAFKA_BROKERS: is required but not set');
  });

  it('parses and defaults valid settings', () => {
    const config = loadConfig(baseServiceEnv.extend({ BATCH: env.positiveInt().default(10), FLAG: env.bool().default(false) }), {
      DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
      KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
      FLAG: '1',
    });
    expect(config).toMatchObject({ HTTP_PORT: 8080, REGION: 'local', BATCH: 10, FLAG: true, KAFKA_BROKERS: ['127.0.0.1:9092', '127.0.0.1:9093'] });
    expect(config.KAFKA_CONSUMER_SESSION_TIMEOUT_MS).toBe(30_000);
    expect(z).toBeDefined();
  });

  it('maps the parsed settings to a config, a PORT of the service winning over HTTP_PORT', () => {
    const env = { DATABASE_URL: 'postgres://u:p@db:5432/x', KAFKA_BROKERS: 'k1:9092,k2:9092', SCHEMA_REGISTRY_URL: 'http://r:8081', HTTP_PORT: '9000' };
    const withPort = baseServiceEnv.extend({ PORT: z.coerce.number().int().optional() });
    expect(baseServiceSettings(loadConfig(withPort, { ...env, PORT: '7000' }))).toEqual({
      region: 'local',
      logLevel: 'info',
      port: 7000,
      databaseUrl: 'postgres://u:p@db:5432/x',
      kafkaBrokers: ['k1:9092', 'k2:9092'],
      schemaRegistryUrl: 'http://r:8081',
      consumerSessionTimeoutMs: 30_000,
      shutdownTimeoutMs: 15_000,
    });
    expect(baseServiceSettings(loadConfig(withPort, env)).port).toBe(9000);
  });

  it("refuses a consumer session timeout outside Kafka's default bounds (6 s to 30 min)", () => {
    const valid = { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db', KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r:8081' };
    expect(loadConfig(baseServiceEnv, { ...valid, KAFKA_CONSUMER_SESSION_TIMEOUT_MS: '10000' }).KAFKA_CONSUMER_SESSION_TIMEOUT_MS).toBe(10_000);
    expect(() => loadConfig(baseServiceEnv, { ...valid, KAFKA_CONSUMER_SESSION_TIMEOUT_MS: '3000' })).toThrow(/KAFKA_CONSUMER_SESSION_TIMEOUT_MS: /);
  });
});

describe('logger', () => {
  it('writes JSON lines with the correlation id and redacted personal data', () => {
    const { logger, lines } = capture();
    withCorrelationId('corr-1', () => logger.info('hello', { order_id: 'o-1', password: 'x', customer: { phone: '+1', email: 'a@b.c' } }));
    logger.error('failed', { error: new Error('boom'), authorization: 'Bearer t' });
    const [first, second] = lines();
    expect(first).toMatchObject({ level: 'info', message: 'hello', service: 'kit-test', correlation_id: 'corr-1', order_id: 'o-1', password: '[REDACTED]', customer: { phone: '[REDACTED]', email: '[REDACTED]' } });
    expect(typeof first!.timestamp).toBe('string');
    expect(second).toMatchObject({ level: 'error', authorization: '[REDACTED]', error: { message: 'boom', name: 'Error' } });
    expect(second!.correlation_id).toBeUndefined();
  });
});

describe('http app', () => {
  it('serves liveness, readiness from checks, and metrics', async () => {
    const { logger } = capture();
    const registry = createMetricsRegistry({ service: 'kit-test', defaultMetrics: false });
    new Gauge({ name: 'kit_test_gauge', help: 'test', registers: [registry] }).set(7);
    let databaseUp = false;
    const app = createHttpApp({
      service: 'kit-test',
      logger,
      registry,
      readiness: [
        { name: 'database', check: () => { if (!databaseUp) throw new Error('connection refused'); } },
        { name: 'kafka', check: async () => {} },
      ],
    });
    const server = await listen(app, 0, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${server.port}`;
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok', service: 'kit-test' });
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ status: 'not ready', checks: { database: 'connection refused', kafka: 'ok' } });
      databaseUp = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      expect(await metrics.text()).toContain('kit_test_gauge{service="kit-test"} 7');
    } finally {
      await server.close();
    }
  });
});

describe('http request metric', () => {
  it('times each request by matched route, method and status, never by raw path', async () => {
    const { logger } = capture();
    const registry = createMetricsRegistry({ service: 'kit-test', defaultMetrics: false });
    const app = createHttpApp({ service: 'kit-test', logger, registry });
    app.get('/v1/orders/:id', (req, res) => void res.status(req.params.id === 'boom' ? 500 : 200).json({}));
    const server = await listen(app, 0, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${server.port}`;
      await fetch(`${base}/v1/orders/1`);
      await fetch(`${base}/v1/orders/2`);
      await fetch(`${base}/v1/orders/boom`);
      await fetch(`${base}/nowhere`);
      const text = await (await fetch(`${base}/metrics`)).text();
      const histogram = (await registry.getSingleMetric('http_server_request_duration_seconds')!.get()).values as Array<{ metricName?: string; labels: Record<string, string | number>; value: number }>;
      const count = (route: string, status: string) =>
        histogram.find((v) => v.metricName === 'http_server_request_duration_seconds_count' && v.labels.http_route === route && v.labels.http_response_status_code === status)?.value ?? 0;
      expect(count('/v1/orders/:id', '200')).toBe(2);
      expect(count('/v1/orders/:id', '500')).toBe(1);
      expect(count('unmatched', '404')).toBe(1);
      expect(text).toContain('http_server_request_duration_seconds_bucket');
      expect(text).not.toContain('/v1/orders/1"');
    } finally {
      await server.close();
    }
  });
});

describe('lifecycle', () => {
  it('starts in order, stops in reverse once, and stops what started when a start fails', async () => {
    const { logger } = capture();
    const events: string[] = [];
    const ok = new Lifecycle({ logger })
      .onStart('db', () => void events.push('start db'))
      .onStop('db', () => void events.push('stop db'))
      .onStart('http', () => void events.push('start http'))
      .onStop('http', () => void events.push('stop http'));
    await ok.start();
    await Promise.all([ok.stop(), ok.stop()]);
    expect(events).toEqual(['start db', 'start http', 'stop http', 'stop db']);

    events.length = 0;
    const failing = new Lifecycle({ logger })
      .onStart('db', () => void events.push('start db'))
      .onStop('db', () => void events.push('stop db'))
      .onStart('kafka', () => {
        throw new Error('no broker');
      });
    await expect(failing.start()).rejects.toThrow('no broker');
    expect(events).toEqual(['start db', 'stop db']);
  });

  it('shuts down on SIGTERM and exits 0', async () => {
    const { logger, lines } = capture();
    const stopped: string[] = [];
    const exited = new Promise<number>((resolve) => {
      new Lifecycle({ logger, exit: resolve }).onStop('consumer', () => void stopped.push('consumer')).handleSignals();
    });
    process.emit('SIGTERM', 'SIGTERM');
    expect(await exited).toBe(0);
    expect(stopped).toEqual(['consumer']);
    expect(lines().some((l) => l.message === 'shutting down' && l.signal === 'SIGTERM')).toBe(true);
  });
});
