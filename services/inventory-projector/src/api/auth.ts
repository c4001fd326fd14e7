/**
 * Who may read availability. Each sales channel (a storefront, the POS estate, a marketplace
 * connector) gets its own bearer tokens, several at once so a token is rotated without downtime;
 * the channel named by the matched token is the caller's identity and its rate-limit key. Mode
 * 'ingress' leaves authentication to the ingress (mTLS or an auth proxy) and limits per address;
 * 'none' is for development only.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from '@retail-backbone/observability';
import { sendProblem } from './problems';

export type AvailabilityAuth = { mode: 'tokens'; tokens: Array<{ channel: string; token: string }> } | { mode: 'ingress' } | { mode: 'none' };

const tokenText = z.string().min(24, 'each token must be at least 24 characters');
const tokenMap = z.record(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'channel names are 1-64 of A-Z a-z 0-9 . _ -'), z.union([tokenText, z.array(tokenText).min(1).max(4)]));

/** AVAILABILITY_API_TOKENS = {"<channel>": "<token>" | ["<new>", "<old>"]}; problems never echo a token. */
export function parseAvailabilityAuth(mode: string | undefined, tokensJson: string | undefined): AvailabilityAuth | string[] {
  const hasTokens = tokensJson !== undefined && tokensJson.trim() !== '';
  const chosen = mode ?? (hasTokens ? 'tokens' : 'none');
  if (chosen === 'none' || chosen === 'ingress') {
    return hasTokens ? [`AVAILABILITY_API_TOKENS: is set but AVAILABILITY_API_AUTH=${chosen} would ignore it`] : { mode: chosen };
  }
  if (chosen !== 'tokens') return ["AVAILABILITY_API_AUTH: must be one of 'tokens', 'ingress', 'none'"];
  if (!hasTokens) return ['AVAILABILITY_API_TOKENS: is required when AVAILABILITY_API_AUTH=tokens'];
  let json: unknown;
  try {
    json = JSON.parse(tokensJson);
  } catch {
    return ['AVAILABILITY_API_TOKENS: is not JSON; expected {"<channel>": ["<token>", ...]}'];
  }
  const parsed = tokenMap.safeParse(json);
  if (!parsed.success) return parsed.error.issues.map((i) => `AVAILABILITY_API_TOKENS${i.path.length ? ` ${i.path.map(String).join('.')}` : ''}: ${i.message}`);
  const tokens = Object.entries(parsed.data).flatMap(([channel, list]) => (Array.isArray(list) ? list : [list]).map((token) => ({ channel, token })));
  return { mode: 'tokens', tokens };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The channel whose token was presented; every configured token is compared, in constant time each. */
function channelOf(tokens: Array<{ channel: string; digest: Buffer }>, presented: string): string | null {
  const given = digest(presented);
  let found: string | null = null;
  for (const t of tokens) if (timingSafeEqual(t.digest, given) && found === null) found = t.channel;
  return found;
}

export interface AvailabilityGuardOptions {
  auth: AvailabilityAuth;
  /** Requests per second per channel (tokens) or per client address (ingress, none). */
  ratePerSecond: number;
  /** Failed token checks per address and minute before 429 without a check. */
  failuresPerMinute?: number;
  onRefused?: (reason: 'missing_token' | 'invalid_token' | 'rate_limited' | 'auth_rate_limited') => void;
}

export function availabilityGuard(options: AvailabilityGuardOptions) {
  const limiter = new RateLimiterMemory({ points: options.ratePerSecond, duration: 1 });
  const failures = new RateLimiterMemory({ points: options.failuresPerMinute ?? 20, duration: 60 });
  const tokens = options.auth.mode === 'tokens' ? options.auth.tokens.map((t) => ({ channel: t.channel, digest: digest(t.token) })) : [];
  const refuse = options.onRefused ?? (() => undefined);

  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    let client = `address:${address}`;
    if (options.auth.mode === 'tokens') {
      const spent = await failures.get(address);
      if (spent && spent.remainingPoints <= 0) {
        refuse('auth_rate_limited');
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil(spent.msBeforeNext / 1000))));
        return sendProblem(res, 'rateLimited', 'too many requests with invalid tokens from this address');
      }
      const header = req.header('authorization');
      const presented = header?.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : undefined;
      const channel = presented ? channelOf(tokens, presented) : null;
      if (!channel) {
        await failures.penalty(address, 1);
        refuse(presented ? 'invalid_token' : 'missing_token');
        res.setHeader('WWW-Authenticate', 'Bearer realm="availability"');
        return sendProblem(res, 'unauthenticated', presented ? 'the bearer token is not valid' : 'send Authorization: Bearer <channel token>');
      }
      client = `channel:${channel}`;
      res.locals.channel = channel;
    }
    try {
      await limiter.consume(client);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      refuse('rate_limited');
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(error.msBeforeNext / 1000))));
      return sendProblem(res, 'rateLimited', `at most ${options.ratePerSecond} requests per second per ${client.startsWith('channel:') ? 'channel' : 'client address'}`);
    }
    next();
  };
}
