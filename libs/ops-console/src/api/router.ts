import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { ReplayFilterError, type ReplayFilter } from '@retail-backbone/messaging';
import { MalformedJsonError, parseJsonBody, storableString, type Logger } from '@retail-backbone/observability';
import type { AuditLog } from '../audit';
import type { AuthSettings } from '../config';
import { overview } from '../overview';
import { keepOriginal, listConflicts, listParked, listRejections, retryParked } from '../queues';
import type { Sources } from '../sources';
import { buildTimeline, findOrders, findRejections } from '../timeline';
import { authenticate, operatorOf } from './auth';
import { BadRequest, NotFound, sendProblem } from './problems';

export interface ConsoleApiOptions {
  sources: Sources;
  audit: AuditLog;
  auth: AuthSettings;
  logger: Logger;
  traceUrlTemplate?: string;
}

type Handler = (req: Request, res: Response) => Promise<unknown>;

/** An action the operator asked for failed outside the API (Kafka, a database): its message is theirs to see. */
class ActionFailed extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'ActionFailed';
  }
}

/** Runs an audited action; refusals stay refusals, anything else is the action's own failure. */
async function act<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof BadRequest || error instanceof NotFound || error instanceof ReplayFilterError) throw error;
    throw new ActionFailed(error);
  }
}

const BODY_LIMIT = '64kb';

/**
 * Action bodies are read as bytes and parsed by observability's parseJsonBody, like every ingest
 * route: strict UTF-8 (a stray byte is refused, not replaced), bounded nesting, and \u0000 or lone
 * surrogates made storable, so nothing an operator's client sends reaches PostgreSQL unstorable.
 */
function jsonBody(): Array<(req: Request, res: Response, next: NextFunction) => void> {
  const raw = express.raw({ type: () => true, limit: BODY_LIMIT });
  return [
    raw,
    (req, res, next) => {
      if (!Buffer.isBuffer(req.body)) {
        req.body = undefined;
        return next();
      }
      if (!req.is('application/json')) return sendProblem(res, 'unsupportedMediaType', 'send the body as application/json');
      try {
        req.body = parseJsonBody(req.body);
      } catch (error) {
        if (error instanceof MalformedJsonError) return sendProblem(res, 'malformedJson', error.message, {}, { field: 'body' });
        return next(error);
      }
      next();
    },
  ];
}

/** A query parameter given once, as text PostgreSQL can take (NUL and lone surrogates replaced). */
function queryText(req: Request, name: string): string {
  const value = req.query[name];
  if (value === undefined) return '';
  if (typeof value !== 'string') throw new BadRequest(name, `${name} must be given once`);
  return storableString(value).trim();
}

/** Wraps a handler: its value is the JSON answer; BadRequest/NotFound become problem bodies. */
function json(handler: Handler) {
  return (req: Request, res: Response, next: NextFunction) => {
    handler(req, res).then((body) => res.json(body), next);
  };
}

function stringField(body: unknown, field: string, required: true): string;
function stringField(body: unknown, field: string, required: false): string | undefined;
function stringField(body: unknown, field: string, required: boolean): string | undefined {
  const value = (body as Record<string, unknown> | undefined)?.[field];
  if (value === undefined || value === null || value === '') {
    if (required) throw new BadRequest(field, `${field} is required`);
    return undefined;
  }
  if (typeof value !== 'string') throw new BadRequest(field, `${field} must be a string`);
  return value;
}

/**
 * The console's JSON API under one router, so `pnpm start` serves it locally and the reconciler
 * can mount it in production. Every route is behind `authenticate`; actions are POSTs with a JSON
 * body and the bearer header, so a form or a cookie from another site cannot trigger one.
 */
export function createConsoleApi(options: ConsoleApiOptions): Router {
  const { sources, audit } = options;
  const router = express.Router();
  router.use(authenticate(options.auth));
  // Each action reads its own body, so an unknown route is a 404 whatever it was sent.
  const readBody = jsonBody();

  router.get('/session', json(async (_req, res) => ({ operator: operatorOf(res), traceUrlTemplate: options.traceUrlTemplate ?? null })));

  router.get(
    '/search',
    json(async (req) => {
      const q = queryText(req, 'q');
      if (!q) throw new BadRequest('q', 'q (an order id, channel order id or number, correlation id or Odoo sale order name) is required');
      const matches = await findOrders(sources, q);
      const timelines = [];
      for (const match of matches) timelines.push(await buildTimeline(sources, match));
      const rejections = matches.length === 0 ? await findRejections(sources, q) : [];
      if (timelines.length === 0 && rejections.length === 0) throw new NotFound(`nothing is known as '${q}'`);
      return { q, timelines, rejections };
    }),
  );

  router.get(
    '/dead-letters',
    json(async (req) => {
      const topic = queryText(req, 'topic') || undefined;
      return { topics: await sources.deadLetters.sizes(), items: await sources.deadLetters.list({ all: true, topic }) };
    }),
  );

  router.post(
    '/dead-letters/replay',
    ...readBody,
    json(async (req, res) => {
      const topic = stringField(req.body, 'dlqTopic', true);
      const known = await sources.deadLetters.topics();
      if (!known.some((t) => t.name === topic)) throw new BadRequest('dlqTopic', `${topic} is not a dead-letter topic`);
      const filter: ReplayFilter = {};
      const body = (req.body !== null && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
      if (body.all === true) filter.all = true;
      filter.error = stringField(body, 'error', false);
      filter.key = stringField(body, 'key', false);
      if (body.partition !== undefined) {
        if (!Number.isInteger(body.partition) || (body.partition as number) < 0) throw new BadRequest('partition', 'partition must be a non-negative integer');
        filter.partition = body.partition as number;
      }
      filter.offset = stringField(body, 'offset', false);
      const target = `${topic}${filter.partition !== undefined ? `/${filter.partition}` : ''}${filter.offset !== undefined ? `/${filter.offset}` : ''}${filter.key ? ` key=${filter.key}` : ''}${filter.error ? ` error~${filter.error}` : ''}${filter.all ? ' all' : ''}`;
      try {
        const { entry, result } = await act(() =>
          audit.perform(operatorOf(res), 'dead_letters.replay', target, async () => {
            const report = await sources.deadLetters.replay(topic, filter);
            return { result: report, detail: `replayed ${report.replayed} of ${report.scanned} scanned` };
          }),
        );
        return { audit: entry, report: result };
      } catch (error) {
        if (error instanceof ReplayFilterError) throw new BadRequest('filter', error.message);
        throw error;
      }
    }),
  );

  router.get('/parked', json(async () => ({ items: await listParked(sources.pool, sources.catalog) })));

  router.post(
    '/parked/retry',
    ...readBody,
    json(async (req, res) => {
      const id = stringField(req.body, 'id', true);
      const { entry } = await act(() =>
        audit.perform(operatorOf(res), id.includes('outside_effects') ? 'effect.retry' : 'parked.retry', id, async () => ({ result: null, detail: await retryParked(sources.pool, sources.catalog, id) })),
      );
      return { audit: entry };
    }),
  );

  router.get('/rejections', json(async () => ({ items: await listRejections(sources.pool, sources.catalog) })));

  router.get('/conflicts', json(async () => ({ items: await listConflicts(sources.pool, sources.catalog), accepts: ['original'] })));

  router.post(
    '/conflicts/:id/keep-original',
    ...readBody,
    json(async (req, res) => {
      const id = String(req.params.id);
      // Conflict numbers are bigint: more than 18 digits could overflow the column's type.
      if (!/^\d{1,18}$/.test(id)) throw new BadRequest('id', 'id must be a conflict number');
      const { entry } = await act(() =>
        audit.perform(operatorOf(res), 'conflict.keep_original', `order_ingest.fact_conflicts/${id}`, async () => ({ result: null, detail: await keepOriginal(sources.pool, sources.catalog, id) })),
      );
      return { audit: entry };
    }),
  );

  router.get('/overview', json(async () => overview(sources.pool, sources.catalog, sources.kafka, sources.deadLetters)));

  router.get('/audit', json(async () => ({ items: await audit.list() })));

  router.use((_req: Request, res: Response) => sendProblem(res, 'notFound', 'no such console API route'));

  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof BadRequest) return sendProblem(res, 'badRequest', error.message, {}, { field: error.field });
    if (error instanceof NotFound) return sendProblem(res, 'notFound', error.message);
    if (error instanceof ReplayFilterError) return sendProblem(res, 'badRequest', error.message, {}, { field: 'filter' });
    const parser = error as { type?: string; status?: number; message?: string };
    if (parser.type === 'entity.too.large') return sendProblem(res, 'payloadTooLarge', `the body exceeds ${BODY_LIMIT}`);
    // body-parser's other refusals (aborted request, unsupported Content-Encoding) carry their 4xx.
    if (typeof parser.status === 'number' && parser.status >= 400 && parser.status < 500) {
      return sendProblem(res, 'badRequest', parser.message ?? 'the request could not be read', {}, { status: parser.status });
    }
    if (error instanceof ActionFailed) {
      options.logger.warn('console action failed', { error: error.cause });
      // The failure is already in the audit log; its message is the operator's to see.
      return sendProblem(res, 'actionFailed', error.message);
    }
    options.logger.error('console API request failed', { error });
    return sendProblem(res, 'internal', 'unexpected error; the console log has its details');
  });
  return router;
}
