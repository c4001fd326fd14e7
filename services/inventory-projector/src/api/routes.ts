import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { jsonPointer, MalformedJsonError, parseJsonBody, z } from '@retail-backbone/observability';
import { etagOf, notModified } from './etag';
import { sendProblem, sendValidationProblem, type FieldError } from './problems';
import type { AvailabilitySource, LocationAvailability } from './queries';

const identifier = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[^\s\p{Cc}]+$/u, 'must not contain whitespace or control characters');

const batchBody = z.object({
  skus: z.array(identifier).min(1, 'must list at least one SKU').max(200, 'must list at most 200 SKUs'),
  locations: z.array(identifier).min(1, 'must list at least one location when given').max(100, 'must list at most 100 locations').optional(),
});

/** One error per field (the first rule it breaks), pointing into the request under `root`. */
function fieldErrors(error: z.ZodError, root: PropertyKey[] = []): FieldError[] {
  const byPointer = new Map<string, string>();
  for (const issue of error.issues) {
    const pointer = jsonPointer([...root, ...issue.path]);
    if (!byPointer.has(pointer)) byPointer.set(pointer, issue.message);
  }
  return [...byPointer].map(([pointer, detail]) => ({ pointer, detail }));
}

function send(req: Request, res: Response, etag: string, body: unknown): void {
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', 'no-cache');
  if (notModified(req, etag)) {
    res.status(304).end();
    return;
  }
  res.json(body);
}

/** GET /v1/availability/:sku and POST /v1/availability/batch. */
export function availabilityRouter(queries: AvailabilitySource): Router {
  const router = express.Router();

  router.get('/v1/availability/:sku', async (req, res) => {
    const errors: FieldError[] = [];
    const sku = identifier.safeParse(req.params.sku);
    if (!sku.success) errors.push(...fieldErrors(sku.error, ['path', 'sku']));
    const rawLocation = req.query.location;
    let location: string | null = null;
    if (rawLocation !== undefined) {
      const parsed = identifier.safeParse(rawLocation);
      if (parsed.success) location = parsed.data;
      else errors.push({ pointer: '/query/location', detail: typeof rawLocation === 'string' ? parsed.error.issues[0]?.message ?? 'invalid' : 'must be given once' });
    }
    if (errors.length > 0 || !sku.success) return sendValidationProblem(res, errors);
    const locations = await queries.bySku(sku.data, location);
    if (locations.length === 0) {
      const where = location ? ` at location '${location}'` : '';
      return sendProblem(res, 'unknownSku', `no stock is projected for SKU '${sku.data}'${where}`, { sku: sku.data, ...(location ? { location } : {}) });
    }
    send(req, res, etagOf(locations.map((l) => ({ sku: sku.data, ...l }))), { sku: sku.data, locations });
  });

  // Read as bytes and parsed like every other body of the backbone (observability's
  // parseJsonBody): invalid UTF-8 is refused before parsing instead of becoming U+FFFD.
  router.post('/v1/availability/batch', express.raw({ type: () => true, limit: '64kb' }), async (req, res) => {
    if (!req.is('application/json')) {
      return sendProblem(res, 'unsupportedMediaType', 'send the body as application/json');
    }
    let body: unknown;
    try {
      body = parseJsonBody(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    } catch (error) {
      if (error instanceof MalformedJsonError) return sendProblem(res, 'malformedJson', `the request body is not valid JSON: ${error.message}`);
      throw error;
    }
    const parsed = batchBody.safeParse(body);
    if (!parsed.success) return sendValidationProblem(res, fieldErrors(parsed.error));
    const skus = [...new Set(parsed.data.skus)];
    const locations = parsed.data.locations ? [...new Set(parsed.data.locations)] : null;
    const found = await queries.batch(skus, locations);
    const items: Array<{ sku: string; locations: LocationAvailability[] }> = [];
    const unknownSkus: string[] = [];
    for (const sku of skus) {
      const list = found.get(sku);
      if (list) items.push({ sku, locations: list });
      else unknownSkus.push(sku);
    }
    const etag = etagOf(
      items.flatMap((item) => item.locations.map((l) => ({ sku: item.sku, ...l }))),
      JSON.stringify([skus, locations]),
    );
    send(req, res, etag, { items, unknownSkus });
  });

  return router;
}

/** Any other route or method: a problem body rather than Express' HTML page. */
export function notFoundHandler(_req: Request, res: Response): void {
  sendProblem(res, 'notFound', 'no such route');
}

/** Malformed JSON and unexpected failures as problem details; never leaks internals. */
export function problemErrorHandler(onError: (error: unknown) => void) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(error);
    const status = (error as { status?: number }).status;
    if ((error as { type?: string }).type === 'entity.parse.failed') {
      return sendProblem(res, 'malformedJson', 'the request body is not valid JSON');
    }
    if (status === 413) return sendProblem(res, 'payloadTooLarge', 'the request body exceeds 64 kB');
    // Express refuses a path segment that is not percent-encoded UTF-8 (e.g. %ff) with a URIError.
    if (error instanceof URIError || (status === 400 && /decode/i.test((error as Error).message ?? ''))) {
      return sendProblem(res, 'malformedPath', 'the path is not valid percent-encoded UTF-8');
    }
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendProblem(res, 'badRequest', 'the request could not be read', {}, status);
    }
    onError(error);
    sendProblem(res, 'internal', 'the request could not be served');
  };
}
