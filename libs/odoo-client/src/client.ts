import { context as otelContext, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OdooError, OdooServerError, type OdooProtocol } from './errors';
import { Json2Protocol, JsonRpcProtocol, type OdooProtocolAdapter } from './protocols';
import { HttpTransport } from './transport';
import type {
  CallOptions,
  OdooCallParams,
  OdooContext,
  OdooDomain,
  OdooValues,
  OdooVersion,
  SearchOptions,
  SearchReadOptions,
} from './types';

/** What the call hook receives: names and outcome only, never arguments, values or keys. */
export interface OdooCallEvent {
  protocol: OdooProtocol;
  model: string;
  method: string;
  durationMs: number;
  ok: boolean;
  /** Error class name, e.g. OdooValidationError. */
  error?: string;
  odooName?: string;
  status?: number;
  retryable?: boolean;
  ambiguous?: boolean;
}

export interface OdooClientOptions {
  url: string;
  database: string;
  apiKey: string;
  /** Needed by JSON-RPC (common.authenticate); ignored by JSON-2. */
  login?: string;
  protocol: OdooProtocol;
  /** Deadline per call; exceeding it raises an ambiguous OdooTimeoutError. Default 30 s. */
  timeoutMs?: number;
  /** Keep-alive connections kept to Odoo. Default 10. */
  maxSockets?: number;
  /** Merged under each call's context (e.g. lang, tz). */
  context?: OdooContext;
  userAgent?: string;
  onCall?: (event: OdooCallEvent) => void;
}

export interface OdooClient {
  readonly protocol: OdooProtocol;
  /** Any model method with JSON-2 style named arguments (`ids` and `context` reserved). */
  call<T = unknown>(model: string, method: string, params?: OdooCallParams): Promise<T>;
  search(model: string, domain?: OdooDomain, options?: SearchOptions): Promise<number[]>;
  searchCount(model: string, domain?: OdooDomain, options?: CallOptions): Promise<number>;
  searchRead<T = Record<string, unknown>>(model: string, domain?: OdooDomain, options?: SearchReadOptions): Promise<T[]>;
  read<T = Record<string, unknown>>(model: string, ids: number[], fields?: string[], options?: CallOptions): Promise<T[]>;
  create(model: string, vals: OdooValues, options?: CallOptions): Promise<number>;
  create(model: string, vals: OdooValues[], options?: CallOptions): Promise<number[]>;
  write(model: string, ids: number[], vals: OdooValues, options?: CallOptions): Promise<boolean>;
  unlink(model: string, ids: number[], options?: CallOptions): Promise<boolean>;
  /** A method on records (action_confirm, button_validate…): ids plus named arguments. */
  callMethod<T = unknown>(model: string, method: string, ids: number[], kwargs?: Record<string, unknown>): Promise<T>;
  version(): Promise<OdooVersion>;
  close(): Promise<void>;
}

const tracer = trace.getTracer('@retail-backbone/odoo-client');

function validateOptions(o: OdooClientOptions): void {
  let parsed: URL;
  try {
    parsed = new URL(o.url);
  } catch {
    throw new TypeError('createOdooClient: url must be an absolute http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError('createOdooClient: url must use http or https');
  if (!o.database) throw new TypeError('createOdooClient: database is required');
  if (!o.apiKey) throw new TypeError('createOdooClient: apiKey is required');
  if (o.protocol !== 'json2' && o.protocol !== 'jsonrpc') throw new TypeError("createOdooClient: protocol must be 'json2' or 'jsonrpc'");
  if (o.protocol === 'jsonrpc' && !o.login) throw new TypeError('createOdooClient: login is required for the jsonrpc protocol');
  for (const key of ['timeoutMs', 'maxSockets'] as const) {
    const v = o[key];
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new TypeError(`createOdooClient: ${key} must be a positive integer`);
  }
}

class DefaultOdooClient implements OdooClient {
  private readonly http: HttpTransport;
  private readonly adapter: OdooProtocolAdapter;
  private readonly serverAddress: string;
  private readonly serverPort: number;

  constructor(private readonly options: OdooClientOptions) {
    validateOptions(options);
    const url = options.url.replace(/\/+$/, '');
    const parsed = new URL(url);
    this.serverAddress = parsed.hostname;
    this.serverPort = Number(parsed.port) || (parsed.protocol === 'https:' ? 443 : 80);
    this.http = new HttpTransport({
      timeoutMs: options.timeoutMs ?? 30_000,
      maxSockets: options.maxSockets ?? 10,
      userAgent: options.userAgent ?? 'retail-backbone-odoo-client',
    });
    const settings = { url, database: options.database, apiKey: options.apiKey };
    this.adapter =
      options.protocol === 'json2'
        ? new Json2Protocol(this.http, settings)
        : new JsonRpcProtocol(this.http, { ...settings, login: options.login! });
  }

  get protocol(): OdooProtocol {
    return this.options.protocol;
  }

  async call<T>(model: string, method: string, params: OdooCallParams = {}): Promise<T> {
    const merged: OdooCallParams = { ...params };
    if (this.options.context || params.context) merged.context = { ...this.options.context, ...params.context };
    return (await this.traced(model, method, (headers) => this.adapter.invoke(model, method, merged, headers))) as T;
  }

  search(model: string, domain: OdooDomain = [], o: SearchOptions = {}): Promise<number[]> {
    return this.call(model, 'search', { domain, ...pick(o, ['limit', 'offset', 'order', 'context']) });
  }

  searchCount(model: string, domain: OdooDomain = [], o: CallOptions = {}): Promise<number> {
    return this.call(model, 'search_count', { domain, ...pick(o, ['context']) });
  }

  searchRead<T>(model: string, domain: OdooDomain = [], o: SearchReadOptions = {}): Promise<T[]> {
    return this.call(model, 'search_read', { domain, ...pick(o, ['fields', 'limit', 'offset', 'order', 'context']) });
  }

  read<T>(model: string, ids: number[], fields?: string[], o: CallOptions = {}): Promise<T[]> {
    return this.call(model, 'read', { ids, ...(fields ? { fields } : {}), ...pick(o, ['context']) });
  }

  create(model: string, vals: OdooValues, options?: CallOptions): Promise<number>;
  create(model: string, vals: OdooValues[], options?: CallOptions): Promise<number[]>;
  async create(model: string, vals: OdooValues | OdooValues[], o: CallOptions = {}): Promise<number | number[]> {
    // always send a list so that both APIs return a list; unwrap for the single-record form
    const ids = await this.call<number[]>(model, 'create', { vals_list: Array.isArray(vals) ? vals : [vals], ...pick(o, ['context']) });
    if (!Array.isArray(ids)) throw new OdooServerError({ message: `create on ${model} did not return a list of ids` });
    return Array.isArray(vals) ? ids : ids[0]!;
  }

  write(model: string, ids: number[], vals: OdooValues, o: CallOptions = {}): Promise<boolean> {
    return this.call(model, 'write', { ids, vals, ...pick(o, ['context']) });
  }

  unlink(model: string, ids: number[], o: CallOptions = {}): Promise<boolean> {
    return this.call(model, 'unlink', { ids, ...pick(o, ['context']) });
  }

  callMethod<T>(model: string, method: string, ids: number[], kwargs: Record<string, unknown> = {}): Promise<T> {
    if ('ids' in kwargs) throw new TypeError('callMethod: pass record ids as the ids argument, not in kwargs');
    return this.call(model, method, { ...kwargs, ids });
  }

  version(): Promise<OdooVersion> {
    return this.traced('web', 'version', (headers) => this.adapter.version(headers));
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private traced<T>(model: string, method: string, run: (headers: Record<string, string>) => Promise<T>): Promise<T> {
    const started = performance.now();
    return tracer.startActiveSpan(
      `${model}/${method}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'rpc.system': 'odoo',
          'rpc.service': model,
          'rpc.method': method,
          'server.address': this.serverAddress,
          'server.port': this.serverPort,
          'odoo.protocol': this.options.protocol,
        },
      },
      async (span) => {
        const headers: Record<string, string> = {};
        propagation.inject(otelContext.active(), headers);
        try {
          const result = await run(headers);
          this.emit({ model, method, ok: true, started });
          return result;
        } catch (err) {
          const e = err instanceof OdooError ? err : undefined;
          if (e) {
            e.model = model;
            e.method = method;
            e.protocol = this.options.protocol;
          }
          // messages may quote personal data: the span gets the class and Odoo's exception name only
          span.setStatus({ code: SpanStatusCode.ERROR, message: e?.name ?? 'Error' });
          span.setAttribute('error.type', e?.odooName ?? e?.name ?? 'Error');
          if (e) {
            span.setAttribute('odoo.retryable', e.retryable);
            span.setAttribute('odoo.ambiguous', e.ambiguous);
          }
          this.emit({ model, method, ok: false, started, error: e });
          throw err;
        } finally {
          span.end();
        }
      },
    );
  }

  private emit(e: { model: string; method: string; ok: boolean; started: number; error?: OdooError }): void {
    if (!this.options.onCall) return;
    const event: OdooCallEvent = {
      protocol: this.options.protocol,
      model: e.model,
      method: e.method,
      durationMs: Math.round((performance.now() - e.started) * 10) / 10,
      ok: e.ok,
    };
    if (!e.ok) {
      event.error = e.error?.name ?? 'Error';
      if (e.error) {
        event.odooName = e.error.odooName;
        event.status = e.error.status;
        event.retryable = e.error.retryable;
        event.ambiguous = e.error.ambiguous;
      }
    }
    try {
      this.options.onCall(event);
    } catch {
      // a failing hook must not turn a successful Odoo call into a failure
    }
  }
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

export function createOdooClient(options: OdooClientOptions): OdooClient {
  return new DefaultOdooClient(options);
}
