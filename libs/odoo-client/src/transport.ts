import { Agent, request } from 'undici';
import { OdooTimeoutError, OdooUnavailableError, type OdooError } from './errors';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface TransportOptions {
  timeoutMs: number;
  maxSockets: number;
  userAgent: string;
}

/** Failures before the request could leave: Odoo surely did not run the call. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Keep-alive HTTP with one deadline per call covering connect, send and the whole answer. */
export class HttpTransport {
  private readonly agent: Agent;

  constructor(private readonly options: TransportOptions) {
    this.agent = new Agent({
      connections: options.maxSockets,
      keepAliveTimeout: 4_000,
      connect: { timeout: options.timeoutMs },
    });
  }

  async send(url: string, method: 'GET' | 'POST', headers: Record<string, string>, body?: string): Promise<HttpAnswer> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.timeoutMs);
    try {
      const res = await request(url, {
        method,
        headers: { 'user-agent': this.options.userAgent, ...headers },
        body,
        dispatcher: this.agent,
        signal: controller.signal,
      });
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, body: text };
    } catch (err) {
      throw this.transportError(err, timedOut);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private transportError(err: unknown, timedOut: boolean): OdooError {
    if (timedOut) {
      return new OdooTimeoutError({ message: `no answer from Odoo within ${this.options.timeoutMs} ms`, cause: err });
    }
    const code = errorCode(err);
    // a connection that broke after sending (reset, closed by the other side) may have been served
    return new OdooUnavailableError({
      message: `cannot reach Odoo: ${code ?? (err instanceof Error ? err.message : String(err))}`,
      ambiguous: code === undefined || !NOT_SENT_CODES.has(code),
      cause: err,
    });
  }
}
