import { createHttpApp, CORRELATION_HEADER, type ReadinessCheck } from '@retail-backbone/observability';
import { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import { newCorrelationId } from '../ids';
import { isUnavailable, StorageUnavailableError } from '../store/transaction';
import type { RouteContext } from './context';
import { posRouter } from './pos-routes';
import { RETRY_AFTER_UNAVAILABLE_S, sendKind } from './respond';
import { webhookRouter } from './webhook-routes';

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The service kit names a request's correlation id with a random UUID when none is sent; ingest
 * is where correlation ids are born, and they must be time-ordered UUIDv7, so it is decided here,
 * before the kit's middleware reads the header. A malformed inbound id is replaced, not trusted.
 */
export function acceptCorrelationId(req: Request, _res: Response, next: NextFunction): void {
  const given = req.header(CORRELATION_HEADER);
  if (!given || !CORRELATION_ID.test(given)) req.headers[CORRELATION_HEADER] = newCorrelationId();
  next();
}

function errorHandler(ctx: RouteContext) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(error);
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') {
      ctx.metrics.rejected.inc({ channel: 'http', reason: 'payload_too_large' });
      return sendKind(res, 'payloadTooLarge', `The body exceeds the limit of this endpoint (${(error as { limit?: number }).limit} bytes); the payload was not kept.`);
    }
    if (error instanceof StorageUnavailableError || isUnavailable(error)) {
      ctx.logger.error('storage unavailable', { error: (error as Error).message });
      return sendKind(res, 'unavailable', 'The database is unavailable; nothing was recorded. Retry later.', {}, { 'Retry-After': String(RETRY_AFTER_UNAVAILABLE_S) });
    }
    const status = (error as { status?: number }).status;
    if (type && status && status >= 400 && status < 500) {
      return sendKind(res, 'validationFailed', `The body could not be read: ${(error as Error).message}`);
    }
    ctx.logger.error('request failed', { error });
    sendKind(res, 'internal', 'An unexpected error occurred; nothing was recorded.');
  };
}

/** The webhook and POS routes, then the not-found and error answers, on the kit's app. */
export function ingestRoutes(app: Express, ctx: RouteContext): void {
  app.use(webhookRouter(ctx));
  app.use(posRouter(ctx));
  app.use((_req: Request, res: Response) => sendKind(res, 'notFound', 'No such route.'));
  app.use(errorHandler(ctx));
}

/** The ingest app outside the service (tools, tests driving routes directly). */
export function createIngestApp(ctx: RouteContext, registry: Registry, readiness: ReadinessCheck[]): Express {
  const app = createHttpApp({ service: 'order-ingest', logger: ctx.logger, registry, readiness, beforeContext: [acceptCorrelationId] });
  ingestRoutes(app, ctx);
  return app;
}
