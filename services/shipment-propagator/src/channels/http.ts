import type { EffectErrorClass } from '@retail-backbone/messaging';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A channel call that did not succeed, read for the effect executor: 'retry' when the request
 * provably was not applied (connection refused, 503, 429), 'ambiguous' when it may have been
 * (timeout, dropped connection, 5xx), 'failed' when the channel refused it (4xx): terminal.
 */
export class ChannelCallError extends Error {
  constructor(
    message: string,
    readonly cls: EffectErrorClass,
    readonly status?: number,
    /** A short, non-personal excerpt of the channel's answer. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'ChannelCallError';
  }
}

export function classifyChannelError(error: unknown): EffectErrorClass {
  return error instanceof ChannelCallError ? error.cls : 'ambiguous';
}

/** Connection errors raised before a request left this process: nothing can have been applied. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error as { code?: string }).code;
}

/** Seconds (or an HTTP date) of a Retry-After header, as milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export interface CallOptions {
  timeoutMs: number;
  /** The attempt's signal: aborted when the executor's attempt timed out. */
  signal: AbortSignal;
  /** How many 429 answers are waited out (by Retry-After) before giving the attempt back. */
  rateLimitedRetries?: number;
  /** Longest Retry-After honoured within an attempt; a longer one gives the attempt back. */
  maxRetryAfterMs?: number;
}

/**
 * One HTTP call to a channel with a timeout; a 429 is waited out by its Retry-After (it was not
 * applied) and sent again. Resolves with any other answer; the caller reads 2xx/4xx, and
 * `failOnStatus` turns 5xx/4xx into ChannelCallErrors.
 */
export async function channelFetch(url: string, init: RequestInit, options: CallOptions): Promise<Response> {
  const retries = options.rateLimitedRetries ?? 3;
  for (let attempt = 0; ; attempt++) {
    if (options.signal.aborted) throw new ChannelCallError('attempt timed out', 'ambiguous');
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]) });
    } catch (error) {
      const code = causeCode(error);
      if (code && NOT_SENT.has(code)) throw new ChannelCallError(`channel unreachable (${code})`, 'retry');
      throw new ChannelCallError(`channel call interrupted (${code ?? (error as Error).name})`, 'ambiguous');
    }
    if (response.status !== 429) return response;
    const wait = retryAfterMs(response.headers.get('Retry-After')) ?? 1000;
    await response.body?.cancel().catch(() => undefined);
    if (attempt >= retries || wait > (options.maxRetryAfterMs ?? 10_000)) throw new ChannelCallError('channel rate limit (429)', 'retry', 429);
    await sleep(wait, undefined, { signal: options.signal }).catch(() => undefined);
  }
}

/** Reads an answer: 2xx → its JSON; 503 → retry; other 5xx/408 → ambiguous; 4xx → failed. */
export async function readAnswer<T>(response: Response, what: string): Promise<T> {
  const text = await response.text();
  if (response.ok) {
    try {
      return (text ? JSON.parse(text) : null) as T;
    } catch {
      throw new ChannelCallError(`${what}: unreadable answer`, 'ambiguous', response.status);
    }
  }
  const detail = text.slice(0, 300);
  if (response.status === 503) throw new ChannelCallError(`${what}: channel unavailable (503)`, 'retry', 503, detail);
  if (response.status >= 500 || response.status === 408) throw new ChannelCallError(`${what}: channel error (${response.status})`, 'ambiguous', response.status, detail);
  throw new ChannelCallError(`${what}: refused by the channel (${response.status})`, 'failed', response.status, detail);
}
