/**
 * The loyalty platform's REST API as the service uses it: an API key, a member addressed by any
 * reference the platform knows it by, point transactions posted with an Idempotency-Key (the
 * effect's deterministic key: a retry of an applied request gets the saved answer back), and the
 * lookup of a transaction by that key after an ambiguous failure.
 */
export type PlatformTransactionType = 'earn' | 'reverse' | 'redeem' | 'restore';

export interface PlatformTransaction {
  transactionId: string;
  memberId: string;
  type: PlatformTransactionType;
  points: number;
  balance: number;
  createdAt: string;
}

/** The platform answered and refused for a business reason; final for this request. */
export class PlatformRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PlatformRefusal';
  }
}

/**
 * No answer or an error answer. `applied`: 'no' when the request provably did nothing (refused
 * connection, 429, 5xx before the work, a concurrent request with the key), 'maybe' when it may
 * have been applied (timeout, connection dropped after sending).
 */
export class PlatformUnavailable extends Error {
  constructor(
    message: string,
    readonly applied: 'no' | 'maybe',
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PlatformUnavailable';
  }
}

export interface LoyaltyClientOptions {
  url: string;
  apiKey: string;
  timeoutMs: number;
}

/** Error codes sent before a request reached the platform. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function causeCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let i = 0; i < 5 && e && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export class LoyaltyClient {
  constructor(private readonly options: LoyaltyClientOptions) {}

  async postTransaction(memberRef: string, input: { type: PlatformTransactionType; points: number; reference: string }, idempotencyKey: string, signal?: AbortSignal): Promise<PlatformTransaction> {
    return (await this.request('POST', `/v1/members/${encodeURIComponent(memberRef)}/transactions`, input, { 'Idempotency-Key': idempotencyKey }, signal)) as PlatformTransaction;
  }

  /** The transaction created with this key, or null when the platform has none. */
  async findByKey(idempotencyKey: string, signal?: AbortSignal): Promise<PlatformTransaction | null> {
    try {
      return (await this.request('GET', `/v1/transactions/by-idempotency-key/${encodeURIComponent(idempotencyKey)}`, undefined, {}, signal)) as PlatformTransaction;
    } catch (error) {
      if (error instanceof PlatformRefusal && error.status === 404) return null;
      throw error;
    }
  }

  async member(ref: string, signal?: AbortSignal): Promise<{ memberId: string; balance: number }> {
    return (await this.request('GET', `/v1/members/${encodeURIComponent(ref)}`, undefined, {}, signal)) as { memberId: string; balance: number };
  }

  private async request(method: string, path: string, body: unknown, headers: Record<string, string>, signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    let response: Response;
    try {
      response = await fetch(`${this.options.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.options.apiKey}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      const code = causeCode(error);
      const applied = code !== undefined && NOT_SENT.has(code) ? 'no' : 'maybe';
      throw new PlatformUnavailable(`loyalty platform unreachable: ${code ?? (error as Error).name}`, applied, undefined, { cause: error });
    }
    const text = await response.text().catch(() => '');
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (response.ok) return parsed;
    const err = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    const code = err?.code ?? `http_${response.status}`;
    // 429, 5xx and a concurrent request with the same key did nothing: retrying with the key is safe.
    if (response.status === 429 || response.status >= 500 || code === 'idempotency_key_in_use') {
      throw new PlatformUnavailable(`loyalty platform answered ${response.status} ${code}`, 'no', response.status);
    }
    throw new PlatformRefusal(response.status, code, err?.message ?? `HTTP ${response.status}`);
  }
}
