import express, { type NextFunction, type Request, type Response } from 'express';
import { fingerprintOf } from './idempotency';
import { LedgerError, type TransactionType } from './ledger';
import type { LoyaltySimulator } from './simulator';

const TYPES: ReadonlySet<string> = new Set(['earn', 'reverse', 'redeem', 'restore']);

/** The platform's own error shape (Stripe-like), not the backbone's problem format. */
function sendError(res: Response, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.status(status).json({ error: { code, message } });
}

export function createApp(sim: LoyaltySimulator): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/v1/health', (_req, res) => {
    res.json({ ok: true });
  });
  app.use((req: Request, res: Response, next: NextFunction) => {
    sim.stats.requests += 1;
    if (sim.outageMode === '503') return sendError(res, 503, 'unavailable', 'platform under maintenance', { 'Retry-After': '5' });
    const auth = req.header('authorization') ?? '';
    if (auth !== `Bearer ${sim.apiKey}`) return sendError(res, 401, 'unauthenticated', 'missing or invalid API key');
    const wait = sim.limiter.take();
    if (wait !== undefined) return sendError(res, 429, 'rate_limited', 'too many requests', { 'Retry-After': String(wait) });
    next();
  });
  app.use(express.json({ limit: '64kb' }));

  app.post('/v1/members', (req, res) => {
    const body = (req.body ?? {}) as { memberId?: unknown; refs?: unknown };
    const refs = Array.isArray(body.refs) ? body.refs.filter((r): r is string => typeof r === 'string' && r.length > 0) : [];
    try {
      const member = sim.ledger.enroll({ memberId: typeof body.memberId === 'string' ? body.memberId : undefined, refs });
      res.status(201).json({ ...member, balance: sim.ledger.balance(member.memberId) });
    } catch (error) {
      answerLedgerError(res, error);
    }
  });

  app.get('/v1/members/:ref', (req, res) => {
    try {
      const member = sim.ledger.resolve(String(req.params.ref));
      res.json({ ...member, balance: sim.ledger.balance(member.memberId) });
    } catch (error) {
      answerLedgerError(res, error);
    }
  });

  app.get('/v1/members/:ref/transactions', (req, res) => {
    try {
      res.json({ data: sim.ledger.transactions(String(req.params.ref)) });
    } catch (error) {
      answerLedgerError(res, error);
    }
  });

  app.get('/v1/transactions/by-idempotency-key/:key', (req, res) => {
    const tx = sim.ledger.byIdempotencyKey(String(req.params.key));
    if (!tx) return sendError(res, 404, 'not_found', 'no transaction was created with this key');
    res.json({ ...tx, balance: tx.balanceAfter });
  });

  app.post('/v1/members/:ref/transactions', async (req, res) => {
    const key = req.header('idempotency-key');
    if (!key || key.length > 255) return sendError(res, 400, 'idempotency_key_required', 'an Idempotency-Key header of at most 255 characters is required');
    const body = (req.body ?? {}) as { type?: unknown; points?: unknown; reference?: unknown };
    if (typeof body.type !== 'string' || !TYPES.has(body.type)) return sendError(res, 400, 'invalid_request', 'type must be earn, reverse, redeem or restore');
    if (typeof body.points !== 'number' || !Number.isSafeInteger(body.points) || body.points <= 0) return sendError(res, 400, 'invalid_request', 'points must be a positive integer');
    const ref = String(req.params.ref);
    const claim = sim.keys.claim(key, fingerprintOf('POST', `/v1/members/${ref}/transactions`, body));
    if (claim.kind === 'mismatch') return sendError(res, 422, 'idempotency_key_reused', 'this Idempotency-Key was used with other parameters');
    if (claim.kind === 'in-progress') return sendError(res, 409, 'idempotency_key_in_use', 'a request with this Idempotency-Key is still being processed');
    if (claim.kind === 'replay') {
      res.setHeader('Idempotent-Replayed', 'true');
      return res.status(claim.answer.status).json(claim.answer.body);
    }
    const fault = sim.faults.take(true);
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.delayMs ?? 1_000));
    if (fault && fault.kind !== 'delay' && fault.kind !== 'reset-after-apply') {
      sim.keys.release(key);
      if (fault.kind === 'reset-before-apply') return void req.socket.destroy();
      const status = fault.kind === 'error-429' ? 429 : fault.kind === 'error-503' ? 503 : 500;
      return sendError(res, status, status === 429 ? 'rate_limited' : 'server_error', 'injected fault', status === 429 ? { 'Retry-After': '1' } : {});
    }
    let answer: { status: number; body: unknown };
    try {
      if (sim.autoEnroll && !sim.ledger.knows(ref)) sim.ledger.enroll({ refs: [ref] });
      const tx = sim.ledger.post(ref, { type: body.type as TransactionType, points: body.points, reference: typeof body.reference === 'string' ? body.reference : null, idempotencyKey: key });
      sim.stats.applied += 1;
      answer = { status: 201, body: { ...tx, balance: tx.balanceAfter } };
    } catch (error) {
      if (!(error instanceof LedgerError)) {
        sim.keys.release(key);
        throw error;
      }
      answer = { status: error.status, body: { error: { code: error.code, message: error.message } } };
    }
    sim.keys.save(key, answer);
    // Applied and saved, but the answer never reaches the caller: the ambiguous case.
    if (fault?.kind === 'reset-after-apply') return void req.socket.destroy();
    res.status(answer.status).json(answer.body);
  });

  app.use((_req: Request, res: Response) => sendError(res, 404, 'not_found', 'no such route'));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: number }).status;
    if (status && status >= 400 && status < 500) return sendError(res, status, 'invalid_request', 'the request could not be read');
    sendError(res, 500, 'server_error', 'unexpected error');
  });
  return app;
}

function answerLedgerError(res: Response, error: unknown): void {
  if (error instanceof LedgerError) return sendError(res, error.status, error.code, error.message);
  sendError(res, 500, 'server_error', 'unexpected error');
}
