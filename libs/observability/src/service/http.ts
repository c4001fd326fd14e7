import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { Histogram, type Registry } from 'prom-client';
import { withCorrelationId } from '../correlation';
import type { Logger } from '../logger';
import { extractTraceContext } from '../tracing';

export const CORRELATION_HEADER = 'x-correlation-id';

/** A named readiness probe: resolves when the dependency is usable, throws otherwise. */
export type ReadinessCheck = { name: string; check: () => Promise<void> | void };

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  registry: Registry;
  readiness?: ReadinessCheck[];
  /** Checks that fail only when the process must be restarted (e.g. a consumer that crashed for good). */
  liveness?: ReadinessCheck[];
  /** Middleware run before the kit's request context is set up (e.g. a service that names correlation ids itself). */
  beforeContext?: RequestHandler[];
}

const tracer = () => trace.getTracer('@retail-backbone/observability');

/**
 * Opens a SERVER span from the incoming W3C headers when no HTTP auto-instrumentation did, and
 * scopes the request in its correlation id (taken from the header or born here).
 */
function requestContext(req: Request, res: Response, next: NextFunction): void {
  const correlationId = req.header(CORRELATION_HEADER) || randomUUID();
  res.setHeader(CORRELATION_HEADER, correlationId);
  if (trace.getActiveSpan()) {
    withCorrelationId(correlationId, next);
    return;
  }
  const parent = extractTraceContext(req.headers, context.active());
  const span = tracer().startSpan(
    `${req.method} ${req.path}`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } },
    parent,
  );
  res.on('finish', () => {
    span.setAttribute('http.response.status_code', res.statusCode);
    if (req.route?.path) span.updateName(`${req.method} ${String(req.route.path)}`);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(trace.setSpan(parent, span), () => withCorrelationId(correlationId, next));
}

/**
 * http_server_request_duration_seconds (OpenTelemetry's http.server.request.duration, in Prometheus
 * naming) for every route the service adds, labelled by the matched route (never the raw path, so
 * ids do not explode the series), method and status: the ingest 5xx-rate and p99 alerts read it.
 */
function requestDuration(registry: Registry): RequestHandler {
  const histogram =
    (registry.getSingleMetric('http_server_request_duration_seconds') as Histogram<'http_request_method' | 'http_route' | 'http_response_status_code'> | undefined) ??
    new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP requests served, by matched route and status',
      labelNames: ['http_request_method', 'http_route', 'http_response_status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      histogram.observe(
        { http_request_method: req.method, http_route: route, http_response_status_code: String(res.statusCode) },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    next();
  };
}

async function runChecks(checks: ReadinessCheck[]): Promise<Record<string, string>> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        await check();
        return [name, 'ok'] as const;
      } catch (error) {
        return [name, error instanceof Error ? error.message : String(error)] as const;
      }
    }),
  );
  return Object.fromEntries(results);
}

/**
 * An express 5 app with /healthz = /health/live (liveness: the event loop answers and every
 * liveness check passes), /readyz = /health/ready (every readiness check passes) and /metrics
 * (Prometheus text format). Routes added afterwards get tracing and
 * correlation context.
 */
export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  const live = async (_req: Request, res: Response) => {
    const checks = await runChecks(options.liveness ?? []);
    const alive = Object.values(checks).every((result) => result === 'ok');
    res.status(alive ? 200 : 503).json({ status: alive ? 'ok' : 'failed', service: options.service, ...(options.liveness?.length ? { checks } : {}) });
  };
  const ready = async (_req: Request, res: Response) => {
    const checks = await runChecks(options.readiness ?? []);
    const isReady = Object.values(checks).every((result) => result === 'ok');
    res.status(isReady ? 200 : 503).json({ status: isReady ? 'ready' : 'not ready', checks });
  };
  // /healthz and /readyz are what the Helm chart and the launcher probe; /health/* name the same answers.
  app.get(['/healthz', '/health/live'], live);
  app.get(['/readyz', '/health/ready'], ready);
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', options.registry.contentType);
    res.send(await options.registry.metrics());
  });
  app.use(requestDuration(options.registry));
  for (const handler of options.beforeContext ?? []) app.use(handler);
  app.use(requestContext);
  return app;
}

/** Listens (port 0 picks a free port) and resolves with the bound port and a close function. */
export async function listen(app: Express, port: number, host = '0.0.0.0'): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    server,
    port: bound,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
