import {
  errorFromPayload,
  OdooAccessError,
  OdooServerError,
  OdooUnavailableError,
  parseErrorPayload,
  parseRetryAfter,
  type OdooError,
} from './errors';
import type { HttpAnswer, HttpTransport } from './transport';
import type { OdooCallParams, OdooVersion } from './types';

/** One wire protocol: how a named-argument call travels and how its failures read. */
export interface OdooProtocolAdapter {
  invoke(model: string, method: string, params: OdooCallParams, headers: Record<string, string>): Promise<unknown>;
  version(headers: Record<string, string>): Promise<OdooVersion>;
}

export interface ConnectionSettings {
  url: string;
  database: string;
  apiKey: string;
  login?: string;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (!text.trim()) return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function httpFailure(answer: HttpAnswer): OdooError {
  const parsed = parseJson(answer.body);
  const payload = parsed.ok ? parseErrorPayload(parsed.value) : undefined;
  return errorFromPayload(payload, answer.status, `HTTP ${answer.status}`, parseRetryAfter(answer.headers['retry-after']));
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' };

/** JSON-2 (Odoo 19+): POST /json/2/<model>/<method>, bearer API key, named arguments. */
export class Json2Protocol implements OdooProtocolAdapter {
  constructor(
    private readonly http: HttpTransport,
    private readonly settings: ConnectionSettings,
  ) {}

  async invoke(model: string, method: string, params: OdooCallParams, headers: Record<string, string>): Promise<unknown> {
    const url = `${this.settings.url}/json/2/${encodeURIComponent(model)}/${encodeURIComponent(method)}`;
    const answer = await this.http.send(
      url,
      'POST',
      {
        ...headers,
        ...JSON_HEADERS,
        authorization: `bearer ${this.settings.apiKey}`,
        'x-odoo-database': this.settings.database,
      },
      JSON.stringify(params),
    );
    if (answer.status !== 200) throw httpFailure(answer);
    const parsed = parseJson(answer.body);
    if (!parsed.ok) throw new OdooUnavailableError({ message: 'Odoo answered with a body that is not JSON', status: 200 });
    return parsed.value;
  }

  async version(headers: Record<string, string>): Promise<OdooVersion> {
    const answer = await this.http.send(`${this.settings.url}/web/version`, 'GET', { ...headers, accept: 'application/json' });
    if (answer.status !== 200) throw httpFailure(answer);
    const parsed = parseJson(answer.body);
    if (!parsed.ok) throw new OdooUnavailableError({ message: 'Odoo answered with a body that is not JSON', status: 200 });
    return parsed.value as OdooVersion;
  }
}

interface JsonRpcEnvelope {
  result?: unknown;
  error?: { code?: number; message?: string; data?: unknown };
}

/**
 * JSON-RPC (/jsonrpc, deprecated in Odoo 19): common.authenticate once for the uid, then
 * object.execute_kw(db, uid, key, model, method, args, kwargs) with ids as args[0].
 */
export class JsonRpcProtocol implements OdooProtocolAdapter {
  private uid: Promise<number> | undefined;
  private nextId = 1;

  constructor(
    private readonly http: HttpTransport,
    private readonly settings: ConnectionSettings & { login: string },
  ) {}

  async invoke(model: string, method: string, params: OdooCallParams, headers: Record<string, string>): Promise<unknown> {
    const uid = await this.authenticate(headers);
    const { ids, ...kwargs } = params;
    const args = ids === undefined ? [] : [ids];
    try {
      return await this.rpc('object', 'execute_kw', [this.settings.database, uid, this.settings.apiKey, model, method, args, kwargs], headers);
    } catch (err) {
      // a revoked or expired key: authenticate again on the next call
      if (err instanceof OdooAccessError) this.uid = undefined;
      throw err;
    }
  }

  async version(headers: Record<string, string>): Promise<OdooVersion> {
    const v = (await this.rpc('common', 'version', [], headers)) as { server_version: string; server_version_info: unknown[] };
    return { version: v.server_version, version_info: v.server_version_info };
  }

  private authenticate(headers: Record<string, string>): Promise<number> {
    if (!this.uid) {
      const { database, login, apiKey } = this.settings;
      this.uid = this.rpc('common', 'authenticate', [database, login, apiKey, {}], headers).then((uid) => {
        if (typeof uid !== 'number') {
          throw new OdooAccessError({ message: 'authentication failed: wrong login or API key', odooName: 'odoo.exceptions.AccessDenied' });
        }
        return uid;
      });
      this.uid.catch(() => (this.uid = undefined));
    }
    return this.uid;
  }

  private async rpc(service: string, method: string, args: unknown[], headers: Record<string, string>): Promise<unknown> {
    const body = JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service, method, args }, id: this.nextId++ });
    const answer = await this.http.send(`${this.settings.url}/jsonrpc`, 'POST', { ...headers, ...JSON_HEADERS }, body);
    const parsed = parseJson(answer.body);
    const envelope = parsed.ok && parsed.value && typeof parsed.value === 'object' ? (parsed.value as JsonRpcEnvelope) : undefined;
    if (answer.status !== 200 && !envelope?.error) throw httpFailure(answer);
    if (!envelope) throw new OdooUnavailableError({ message: 'Odoo answered with a body that is not a JSON-RPC response', status: answer.status });
    if (envelope.error) {
      const payload = parseErrorPayload(envelope.error.data);
      const message = payload?.message ?? envelope.error.message ?? 'Odoo Server Error';
      if (!payload?.name) {
        if (envelope.error.code === 100) throw new OdooAccessError({ message, status: answer.status });
        if (answer.status !== 200) throw errorFromPayload(undefined, answer.status, message);
        throw new OdooServerError({ message, status: answer.status });
      }
      throw errorFromPayload({ ...payload, message }, undefined, message);
    }
    // Odoo drops `result` from the envelope when the method returned None
    return envelope.result ?? null;
  }
}
