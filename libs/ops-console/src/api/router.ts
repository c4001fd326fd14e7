import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { ReplayFilterError, type ReplayFilter } from '@retail-backbone/messaging';
import type { Logger } from '@retail-backbone/observability';
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
  router.use(express.json({ limit: '64kb' }));

  router.get('/session', json(async (_req, res) => ({ operator: operatorOf(res), traceUrlTemplate: options.traceUrlTemplate ?? null })));

  router.get(
    '/search',
    json(async (req) => {
      const q = typeof req.query.q === 'string' ? req.query.q.trim() : '';
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
      const topic = typeof req.query.topic === 'string' && req.query.topic ? req.query.topic : undefined;
      return { topics: await sources.deadLetters.sizes(), items: await sources.deadLetters.list({ all: true, topic }) };
    }),
  );

  router.post(
    '/dead-letters/replay',
    json(async (req, res) => {
      const topic = stringField(req.body, 'dlqTopic', true);
      const known = await sources.deadLetters.topics();
      if (!known.some((t) => t.name === topic)) throw new BadRequest('dlqTopic', `${topic} is not a dead-letter topic`);
      const filter: ReplayFilter = {};
      const body = (req.body ?? {}) as Record<string, unknown>;
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
        const { entry, result } = await audit.perform(operatorOf(res), 'dead_letters.replay', target, async () => {
          const report = await sources.deadLetters.replay(topic, filter);
          return { result: report, detail: `replayed ${report.replayed} of ${report.scanned} scanned` };
        });
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
    json(async (req, res) => {
      const id = stringField(req.body, 'id', true);
      const { entry } = await audit.perform(operatorOf(res), id.includes('outside_effects') ? 'effect.retry' : 'parked.retry', id, async () => ({ result: null, detail: await retryParked(sources.pool, sources.catalog, id) }));
      return { audit: entry };
    }),
  );

  router.get('/rejections', json(async () => ({ items: await listRejections(sources.pool, sources.catalog) })));

  router.get('/conflicts', json(async () => ({ items: await listConflicts(sources.pool, sources.catalog), accepts: ['original'] })));

  router.post(
    '/conflicts/:id/keep-original',
    json(async (req, res) => {
      const id = String(req.params.id);
      if (!/^\d+$/.test(id)) throw new BadRequest('id', 'id must be a conflict number');
      const { entry } = await audit.perform(operatorOf(res), 'conflict.keep_original', `order_ingest.fact_conflicts/${id}`, async () => ({ result: null, detail: await keepOriginal(sources.pool, id) }));
      return { audit: entry };
    }),
  );

  router.get('/overview', json(async () => overview(sources.pool, sources.catalog, sources.kafka, sources.deadLetters)));

  router.get('/audit', json(async () => ({ items: await audit.list() })));

  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof BadRequest) return sendProblem(res, 400, 'bad request', error.message, {}, { field: error.field });
    if (error instanceof NotFound) return sendProblem(res, 404, 'not found', error.message);
    if ((error as { type?: string }).type === 'entity.parse.failed') return sendProblem(res, 400, 'bad request', 'the body is not valid JSON', {}, { field: 'body' });
    options.logger.error('console API request failed', { error });
    // An action's failure is already in the audit log; its message is the operator's to see.
    return sendProblem(res, 500, 'action failed', error instanceof Error ? error.message : String(error));
  });
  return router;
}
