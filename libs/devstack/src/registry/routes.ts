import express, { type NextFunction, type Request, type Response } from 'express';
import { DatabaseError } from 'pg';
import type { Logger } from '../log';
import { RegistryError, schemaNotFound, storeError } from './errors';
import { checkSubject, parseVersion, type RegistryService } from './service';

export const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

function send(res: Response, body: unknown, status = 200): void {
  res.status(status).type(CONTENT_TYPE).send(JSON.stringify(body));
}

const flag = (req: Request, name: string): boolean => req.query[name] === 'true';

function schemaId(raw: string): number {
  if (!/^[0-9]{1,10}$/.test(raw)) throw schemaNotFound(raw);
  return Number(raw);
}

function subjectOf(req: Request): string {
  return checkSubject(String(req.params.subject));
}

/** Node's network errors while talking to PostgreSQL, besides the server's own DatabaseError. */
function isStoreFailure(e: unknown): boolean {
  if (e instanceof DatabaseError) return true;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(E[A-Z]+|\d{2}[0-9A-Z]{3})$/.test(code);
}

export function registryApp(service: RegistryService, log: Logger): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Clients send the registry's vendor content type, plain JSON or nothing at all.
  app.use(express.json({ type: () => true, limit: '16mb', strict: false }));

  app.get('/', (_req, res) => send(res, {}));
  app.get('/schemas/types', (_req, res) => send(res, ['AVRO']));

  app.get('/schemas/ids/:id', async (req, res) => send(res, await service.schemaById(schemaId(req.params.id))));
  app.get('/schemas/ids/:id/schema', async (req, res) => {
    const { schema } = await service.schemaById(schemaId(req.params.id));
    send(res, JSON.parse(schema));
  });
  app.get('/schemas/ids/:id/subjects', async (req, res) => {
    const versions = await service.versionsOfSchema(schemaId(req.params.id), flag(req, 'deleted'));
    send(res, [...new Set(versions.map((v) => v.subject))]);
  });
  app.get('/schemas/ids/:id/versions', async (req, res) =>
    send(res, await service.versionsOfSchema(schemaId(req.params.id), flag(req, 'deleted'))),
  );

  app.get('/subjects', async (req, res) => {
    const prefix = typeof req.query.subjectPrefix === 'string' ? req.query.subjectPrefix : '';
    send(res, await service.listSubjects(flag(req, 'deleted'), prefix));
  });
  app.post('/subjects/:subject', async (req, res) => send(res, await service.lookup(subjectOf(req), req.body, flag(req, 'deleted'))));
  app.delete('/subjects/:subject', async (req, res) => send(res, await service.deleteSubject(subjectOf(req), flag(req, 'permanent'))));
  app.get('/subjects/:subject/versions', async (req, res) => send(res, await service.listVersions(subjectOf(req), flag(req, 'deleted'))));
  app.post('/subjects/:subject/versions', async (req, res) => send(res, await service.register(subjectOf(req), req.body)));
  app.get('/subjects/:subject/versions/:version', async (req, res) =>
    send(res, await service.getVersion(subjectOf(req), parseVersion(req.params.version), flag(req, 'deleted'))),
  );
  app.get('/subjects/:subject/versions/:version/schema', async (req, res) => {
    const found = await service.getVersion(subjectOf(req), parseVersion(req.params.version), flag(req, 'deleted'));
    send(res, JSON.parse(found.schema));
  });
  app.delete('/subjects/:subject/versions/:version', async (req, res) =>
    send(res, await service.deleteVersion(subjectOf(req), parseVersion(req.params.version), flag(req, 'permanent'))),
  );

  const compatibility = async (req: Request, res: Response) => {
    const selector = req.params.version === undefined ? undefined : parseVersion(String(req.params.version));
    const problems = await service.testCompatibility(subjectOf(req), selector, req.body);
    send(res, { is_compatible: problems.length === 0, ...(flag(req, 'verbose') ? { messages: problems } : {}) });
  };
  app.post('/compatibility/subjects/:subject/versions', compatibility);
  app.post('/compatibility/subjects/:subject/versions/:version', compatibility);

  app.get('/config', async (_req, res) => send(res, { compatibilityLevel: await service.getConfig(null, true) }));
  app.put('/config', async (req, res) => send(res, { compatibility: await service.setConfig(null, req.body) }));
  app.delete('/config', async (_req, res) => send(res, { compatibilityLevel: await service.deleteConfig(null) }));
  app.get('/config/:subject', async (req, res) =>
    send(res, { compatibilityLevel: await service.getConfig(subjectOf(req), flag(req, 'defaultToGlobal')) }),
  );
  app.put('/config/:subject', async (req, res) => send(res, { compatibility: await service.setConfig(subjectOf(req), req.body) }));
  app.delete('/config/:subject', async (req, res) => send(res, { compatibilityLevel: await service.deleteConfig(subjectOf(req)) }));

  app.use((req, res) => send(res, { error_code: 404, message: `HTTP 404 Not Found: ${req.method} ${req.path}` }, 404));

  // Express 5 forwards rejected promises of async handlers here.
  app.use((e: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (e instanceof RegistryError) {
      send(res, { error_code: e.errorCode, message: e.message }, e.status);
      return;
    }
    const parseFailure = (e as { type?: string }).type === 'entity.parse.failed';
    if (parseFailure) {
      send(res, { error_code: 400, message: `Request body is not valid JSON: ${(e as Error).message}` }, 400);
      return;
    }
    if (isStoreFailure(e)) {
      log('error', 'store error', { method: req.method, path: req.path, error: (e as Error).message });
      const failure = storeError();
      send(res, { error_code: failure.errorCode, message: failure.message }, failure.status);
      return;
    }
    log('error', 'unexpected error', { method: req.method, path: req.path, error: (e as Error).message });
    send(res, { error_code: 500, message: 'Internal server error' }, 500);
  });
  return app;
}
