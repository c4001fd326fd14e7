import express, { type NextFunction, type Request, type Response } from 'express';
import { validateFault } from './faults';
import { bindArguments, checkIds } from './methods';
import { accessDenied, httpException, pythonError, SimulatedOdooException, unauthorized } from './odoo-exceptions';
import { jsonRpcError, jsonRpcResult, sendHtmlStatus, sendJson2Error } from './responses';
import type { CallAnswer, OdooSimulator, OutageMode } from './simulator';

const VERSION_INFO = [19, 0, 0, 'final', 0, ''];

type JsonBody = { ok: true; value: unknown } | { ok: false; error: string };

function parseBody(req: Request): JsonBody {
  const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  if (!raw.trim()) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

function sendAnswer(res: Response, answer: CallAnswer, onResult: (r: unknown) => void, onError: (e: unknown) => void): void {
  switch (answer.kind) {
    case 'result':
      return onResult(answer.result);
    case 'error':
      return onError(answer.error);
    case 'http':
      return sendHtmlStatus(res, answer.status, answer.title, answer.headers);
    case 'dropped':
      return;
  }
}

function bearerKey(req: Request): string | undefined {
  const match = /^bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  return match?.[1];
}

export function createApp(sim: OdooSimulator): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req, res, next) => {
    if (!sim.interceptOutage(req, res)) next();
  });
  const raw = express.raw({ type: () => true, limit: '20mb' });

  app.get('/web/version', (_req, res) => {
    res.json({ version_info: VERSION_INFO, version: '19.0' });
  });

  app.post('/json/2/:model/:method', raw, async (req, res) => {
    const { model, method } = req.params as { model: string; method: string };
    try {
      const header = req.get('x-odoo-database');
      if (header !== undefined && header !== sim.database) throw httpException('NotFound', `database '${header}' not found`, 404);
      if (!sim.isValidKey(bearerKey(req))) throw unauthorized();
      const hasBody = Buffer.isBuffer(req.body) && req.body.length > 0;
      if (hasBody && !req.is('application/json')) {
        throw httpException('UnsupportedMediaType', 'The server does not support the media type transmitted in the request.', 415);
      }
      const body = parseBody(req);
      if (!body.ok) throw httpException('BadRequest', `could not parse the body as json: ${body.error}`, 400);
      const params = body.value && typeof body.value === 'object' && !Array.isArray(body.value) ? (body.value as Record<string, unknown>) : {};
      const { ids, ...kwargs } = params;
      const recordIds = checkIds(ids);
      sim.engine.method(model, method);
      const answer = await sim.serve({ model, method, run: () => sim.engine.execute(model, method, recordIds, kwargs) }, req);
      sendAnswer(res, answer, (result) => res.json(result ?? null), (err) => sendJson2Error(res, err));
    } catch (err) {
      sendJson2Error(res, err);
    }
  });

  app.post('/jsonrpc', raw, async (req, res) => {
    const body = parseBody(req);
    const envelope = body.ok && body.value && typeof body.value === 'object' ? (body.value as Record<string, unknown>) : undefined;
    if (!envelope) {
      res.status(400).json({ jsonrpc: '2.0', id: null, error: { code: 400, message: body.ok ? 'Invalid JSON-RPC request' : body.error, data: {} } });
      return;
    }
    const id = envelope.id ?? null;
    const params = (envelope.params ?? {}) as { service?: unknown; method?: unknown; args?: unknown };
    const args = Array.isArray(params.args) ? params.args : [];
    try {
      if (params.service === 'common') return void res.json(jsonRpcResult(id, commonService(sim, String(params.method), args)));
      if (params.service === 'db' && params.method === 'list') return void res.json(jsonRpcResult(id, [sim.database]));
      if (params.service !== 'object' || (params.method !== 'execute_kw' && params.method !== 'execute')) {
        throw pythonError('Exception', `No such service or method: ${String(params.service)}.${String(params.method)}`);
      }
      const [db, uid, password, model, method, ...rest] = args as [unknown, unknown, unknown, string, string, ...unknown[]];
      checkDatabase(sim, db);
      if (uid !== sim.uid || !sim.isValidKey(typeof password === 'string' ? password : undefined)) throw accessDenied();
      const positional = params.method === 'execute_kw' ? ((rest[0] as unknown[] | undefined) ?? []) : rest;
      const named = params.method === 'execute_kw' ? ((rest[1] as Record<string, unknown> | undefined) ?? {}) : {};
      if (!Array.isArray(positional) || typeof named !== 'object' || named === null) {
        throw pythonError('TypeError', 'execute_kw() expects args as a list and kwargs as a dictionary');
      }
      const def = sim.engine.method(String(model), String(method));
      const bound = bindArguments(def, positional, named, String(method));
      const recordIds = checkIds(bound.ids);
      const answer = await sim.serve(
        { model: String(model), method: String(method), run: () => sim.engine.execute(String(model), String(method), recordIds, bound.kwargs) },
        req,
      );
      sendAnswer(res, answer, (result) => res.json(jsonRpcResult(id, result)), (err) => res.json(jsonRpcError(id, err)));
    } catch (err) {
      res.json(jsonRpcError(id, err));
    }
  });

  app.use('/__sim', express.json({ limit: '20mb' }), controlRouter(sim));

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(400).json({ error: err instanceof Error ? err.message : String(err) });
  });
  return app;
}

function checkDatabase(sim: OdooSimulator, db: unknown): void {
  if (db !== sim.database) {
    throw new SimulatedOdooException('psycopg2.OperationalError', `FATAL:  database "${String(db)}" does not exist\n`, 500);
  }
}

function commonService(sim: OdooSimulator, method: string, args: unknown[]): unknown {
  switch (method) {
    case 'version':
      return { server_version: '19.0', server_version_info: VERSION_INFO, server_serie: '19.0', protocol_version: 1 };
    case 'login':
    case 'authenticate': {
      const [db, login, password] = args;
      checkDatabase(sim, db);
      // Odoo answers False, not an error, for a wrong login or key
      return login === sim.login && typeof password === 'string' && sim.isValidKey(password) ? sim.uid : false;
    }
    default:
      throw pythonError('Exception', `No such method: common.${method}`);
  }
}

function controlRouter(sim: OdooSimulator): express.Router {
  const router = express.Router();
  const handle =
    (fn: (req: Request) => unknown | Promise<unknown>) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        res.json((await fn(req)) ?? { ok: true });
      } catch (err) {
        res.status(400).json({ error: err instanceof Error ? err.message : String(err) });
      }
    };
  const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

  router.post('/reset', handle(() => sim.reset()));
  router.post('/clock', handle((req) => sim.setClockOffset(Number(body(req).offsetMs))));
  router.post('/latency', handle((req) => sim.setLatency(Number(body(req).ms))));
  router.post('/limit-time-real', handle((req) => sim.setLimitTimeReal(Number(body(req).ms))));
  router.post('/capacity', handle((req) => sim.setCapacity(body(req) as never)));
  router.get('/faults', handle(() => sim.faults.list()));
  router.post('/faults', handle((req) => ({ id: sim.injectFault(validateFault(req.body)) })));
  router.delete('/faults', handle(() => sim.faults.clear()));
  router.post(
    '/outage',
    handle(async (req) => {
      const { mode, durationMs, retryAfterSeconds } = body(req) as { mode?: OutageMode | null; durationMs?: number; retryAfterSeconds?: number };
      if (mode !== null && mode !== undefined && !['refused', 'reset', '503'].includes(mode)) throw new Error("mode must be 'refused', 'reset', '503' or null");
      // once refused, this endpoint is unreachable too: only a duration can end the outage
      if (mode === 'refused' && !durationMs) throw new Error("mode 'refused' needs durationMs over HTTP");
      await sim.setOutage(mode ?? null, { durationMs, retryAfterSeconds });
    }),
  );
  router.delete('/outage', handle(() => sim.setOutage(null)));
  router.get('/records/:model', handle((req) => sim.engine.records(String(req.params.model))));
  router.get('/stats', handle((req) => sim.statsSnapshot(req.query.window ? Number(req.query.window) : undefined)));
  router.delete('/stats', handle(() => sim.resetStats()));
  router.post(
    '/seed/products',
    handle((req) => {
      const products = body(req).products;
      if (!Array.isArray(products)) throw new Error('products must be a list');
      return { ids: sim.engine.seedProducts(products) };
    }),
  );
  return router;
}
