/**
 * The POS API: per-store API keys (Authorization: Bearer or X-API-Key), a per-key rate limit,
 * Idempotency-Key with payload check (same key + other body → 409), and an offline batch upload
 * answered per item (207) so the till retries only what failed.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import { mapPosReturn, mapPosSale } from '../channels/pos';
import type { MappedMessage } from '../facts';
import { MalformedJsonError, parseJsonBody } from '@retail-backbone/observability';
import type { PosKey } from '../pos/api-keys';
import { type MessageResult, type RejectionInput, type RequestKey } from '../store/ingest-store';
import { PayloadInvalidError } from '../validation';
import type { RouteContext } from './context';
import { countResult, parseAndMap, rawBody, rejectPayload, rejectionOf, requestKeyOf, type Sender } from './ingest-flow';
import type { FieldError } from './problems';
import { correlationIdOf, sendKind, sendStored } from './respond';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

type PosRequest = Request & { posKey?: PosKey };

function presentedKey(req: Request): string | undefined {
  const auth = req.header('authorization');
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  return req.header('x-api-key') ?? undefined;
}

/**
 * Failed key checks are limited per client address before the key is looked at, so guessing keys
 * costs neither database queries nor cache room once an address has used its budget. Successful
 * requests do not count: a store's tills share one address behind NAT.
 */
function authenticate(ctx: RouteContext, limiter: RateLimiterMemory, failures: RateLimiterMemory) {
  return async (req: PosRequest, res: Response, next: NextFunction): Promise<void> => {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const spent = await failures.get(address);
    if (spent && spent.remainingPoints <= 0) {
      ctx.metrics.rejected.inc({ channel: 'pos', reason: 'auth_rate_limited' });
      const retryAfter = Math.max(1, Math.ceil(spent.msBeforeNext / 1000));
      return sendKind(res, 'rateLimited', 'Too many requests with invalid API keys from this address.', {}, { 'Retry-After': String(retryAfter) });
    }
    const key = await ctx.keys.verify(presentedKey(req));
    if (!key) {
      await failures.penalty(address, 1);
      ctx.metrics.rejected.inc({ channel: 'pos', reason: 'invalid_api_key' });
      return sendKind(res, 'invalidSignature', 'A valid POS API key is required (Authorization: Bearer <key>).');
    }
    try {
      await limiter.consume(key.keyId);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      ctx.metrics.rejected.inc({ channel: 'pos', reason: 'rate_limited' });
      const retryAfter = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      return sendKind(res, 'rateLimited', `This API key may send ${ctx.config.limits.posRatePerSecond} requests per second.`, {}, { 'Retry-After': String(retryAfter) });
    }
    req.posKey = key;
    next();
  };
}

function senderOf(key: PosKey, endpoint: string): Sender {
  return { channel: 'pos', rejectChannel: 'pos', channelId: key.estateId, endpoint };
}

/** The Idempotency-Key of a request, scoped to the store; undefined when absent, null when invalid. */
function idempotencyKey(req: PosRequest, res: Response): RequestKey | null | undefined {
  const header = req.header('idempotency-key');
  if (header === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(header)) {
    sendKind(res, 'validationFailed', 'Idempotency-Key must be 1-255 visible ASCII characters.', { errors: [{ pointer: '', detail: 'invalid Idempotency-Key header' }] });
    return null;
  }
  const key = req.posKey!;
  return requestKeyOf(`pos:${key.estateId}:${key.storeId}`, header, rawBody(req));
}

/** A stored answer for the key: replayed when the body is the same, 409 when it differs. */
async function answerKnownKey(ctx: RouteContext, res: Response, requestKey: RequestKey, stored: { status: number; body: unknown; samePayload: boolean }): Promise<void> {
  if (!stored.samePayload) {
    ctx.metrics.rejected.inc({ channel: 'pos', reason: 'idempotency_key_reused' });
    return sendKind(
      res,
      'idempotencyKeyReused',
      `Idempotency-Key '${requestKey.key}' was first used with a different body (sha256 differs); use a new key for a new request, or resend the original body.`,
    );
  }
  ctx.metrics.duplicates.inc({ channel: 'pos' });
  sendStored(res, stored.status, stored.body);
}

async function single(ctx: RouteContext, req: PosRequest, res: Response, endpoint: string, map: (payload: unknown, key: PosKey) => MappedMessage): Promise<void> {
  const key = req.posKey!;
  const requestKey = idempotencyKey(req, res);
  if (requestKey === null) return;
  if (requestKey) {
    const stored = await ctx.store.lookupRequest(requestKey);
    if (stored) return answerKnownKey(ctx, res, requestKey, stored);
  }
  const sender = senderOf(key, endpoint);
  const message = await parseAndMap(ctx, req, res, sender, requestKey ?? null, (payload) => map(payload, key));
  if (!message) return;
  const outcome = await ctx.store.ingest({ requestKey: requestKey ?? null, correlationId: correlationIdOf(res), message, onFactConflict: 'refuse' });
  if ('replay' in outcome) return answerKnownKey(ctx, res, requestKey!, outcome.replay);
  if ('refused' in outcome) {
    countResult(ctx, 'pos', message, outcome.refused);
    return sendKind(res, 'idempotencyKeyReused', `${message.externalId} was already accepted with different content; a changed sale or return needs a new id.`, {
      orderId: message.orderId,
    });
  }
  countResult(ctx, 'pos', message, outcome.result);
  ctx.logger.debug('pos message ingested', { endpoint, order_id: message.orderId, facts: outcome.result.statuses.join(',') });
  res.status(outcome.status).json(outcome.responseBody);
}

const batchShape = z.object({ items: z.array(z.unknown()) });

interface ItemResult {
  index: number;
  clientId: string | null;
  status: number;
  outcome: 'accepted' | 'duplicate' | 'conflict' | 'invalid';
  orderId?: string;
  correlationId?: string;
  rejectionId?: string;
  errors?: FieldError[];
}

function itemStatus(result: MessageResult): Pick<ItemResult, 'status' | 'outcome'> {
  const primary = result.statuses[0];
  if (result.statuses.includes('conflict') || result.statuses.includes('refused')) return { status: 409, outcome: 'conflict' };
  if (primary === 'duplicate') return { status: 200, outcome: 'duplicate' };
  return { status: 202, outcome: 'accepted' };
}

async function batch(ctx: RouteContext, req: PosRequest, res: Response): Promise<void> {
  const key = req.posKey!;
  const endpoint = 'POST /v1/pos/sales/batch';
  const sender = senderOf(key, endpoint);
  const body = rawBody(req);
  const requestKey = idempotencyKey(req, res);
  if (requestKey === null) return;
  if (requestKey) {
    const stored = await ctx.store.lookupRequest(requestKey);
    if (stored) return answerKnownKey(ctx, res, requestKey, stored);
  }
  let items: unknown[];
  try {
    const parsed = batchShape.safeParse(parseJsonBody(body));
    if (!parsed.success) {
      throw new PayloadInvalidError(parsed.error.issues.map((i) => ({ pointer: `/${i.path.join('/')}`.replace(/\/$/, ''), detail: i.message })));
    }
    items = parsed.data.items;
  } catch (error) {
    if (error instanceof MalformedJsonError || error instanceof PayloadInvalidError) return rejectPayload(ctx, req, res, sender, body, requestKey ?? null, error, null);
    throw error;
  }
  if (items.length > ctx.config.limits.posBatchItems) {
    ctx.metrics.rejected.inc({ channel: 'pos', reason: 'batch_too_large' });
    return sendKind(res, 'batchTooLarge', `A batch may hold at most ${ctx.config.limits.posBatchItems} items; this one has ${items.length}. Split it.`);
  }
  const results: ItemResult[] = [];
  const messages: Array<{ index: number; message: MappedMessage }> = [];
  const rejections: RejectionInput[] = [];
  items.forEach((item, index) => {
    const clientId = typeof (item as { saleId?: unknown })?.saleId === 'string' ? (item as { saleId: string }).saleId : null;
    try {
      messages.push({ index, message: mapPosSale(item, key, `/items/${index}`) });
    } catch (error) {
      if (!(error instanceof PayloadInvalidError)) throw error;
      const rejection = rejectionOf(req, res, { ...sender, endpoint: `${endpoint} item ${index}` }, Buffer.from(JSON.stringify(item) ?? 'null'), {
        status: 422,
        reasonCode: error.reasonCode,
        errors: error.errors,
        externalId: clientId,
        isJson: true,
      });
      rejections.push(rejection);
      results[index] = { index, clientId, status: 422, outcome: 'invalid', rejectionId: rejection.rejectionId, errors: error.errors };
    }
  });
  const correlationId = correlationIdOf(res);
  const outcome = await ctx.store.ingestBatch({
    requestKey: requestKey ?? null,
    correlationId,
    messages: messages.map((m) => m.message),
    rejections,
    respond: (messageResults) => {
      messageResults.forEach((result, i) => {
        const { index, message } = messages[i]!;
        results[index] = { index, clientId: message.externalId, ...itemStatus(result), orderId: message.orderId, correlationId: result.body.correlationId };
      });
      const summary = { accepted: 0, duplicate: 0, conflict: 0, invalid: 0 };
      for (const r of results) summary[r.outcome] += 1;
      return { status: 207, body: { correlationId, summary, items: results } };
    },
  });
  if ('replay' in outcome) return answerKnownKey(ctx, res, requestKey!, outcome.replay);
  outcome.results.forEach((result, i) => countResult(ctx, 'pos', messages[i]!.message, result));
  for (const r of rejections) ctx.metrics.rejected.inc({ channel: 'pos', reason: r.reasonCode });
  ctx.logger.info('pos batch ingested', { items: items.length, summary: (outcome.responseBody as { summary: unknown }).summary });
  res.status(outcome.status).json(outcome.responseBody);
}

export function posRouter(ctx: RouteContext): Router {
  const router = express.Router();
  const limiter = new RateLimiterMemory({ points: ctx.config.limits.posRatePerSecond, duration: 1 });
  const failures = new RateLimiterMemory({ points: ctx.config.posAuthFailuresPerMinute ?? 20, duration: 60 });
  const auth = authenticate(ctx, limiter, failures);
  const raw = express.raw({ type: () => true, limit: ctx.config.limits.posBody });
  const rawBatch = express.raw({ type: () => true, limit: ctx.config.limits.posBatchBody });
  router.post('/v1/pos/sales', auth, raw, (req, res) => single(ctx, req, res, 'POST /v1/pos/sales', (p, k) => mapPosSale(p, k)));
  router.post('/v1/pos/sales/batch', auth, rawBatch, (req, res) => batch(ctx, req, res));
  router.post('/v1/pos/returns', auth, raw, (req, res) => single(ctx, req, res, 'POST /v1/pos/returns', (p, k) => mapPosReturn(p, k)));
  return router;
}
