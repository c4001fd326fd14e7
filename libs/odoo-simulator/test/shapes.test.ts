import { startOdooSimulator, type RunningOdooSimulator } from '../src';
import { fixtureHttp, fixtureJson } from './fixtures';

const request = fixtureHttp('odoo19_json2_search_read_res.partner.request.http');
const FIXTURE_KEY = request.headers.authorization!.split(' ')[1]!;
const FIXTURE_DB = request.headers['x-odoo-database']!;

let sim: RunningOdooSimulator;

beforeAll(async () => {
  sim = await startOdooSimulator({ database: FIXTURE_DB, apiKeys: [FIXTURE_KEY] });
});
afterAll(() => sim.stop());

async function rpc(body: unknown) {
  const res = await fetch(`${sim.url}/jsonrpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('JSON-2 shapes against the Odoo 19 documentation fixtures', () => {
  it('answers the documented search_read request with the documented body', async () => {
    // the documented answer is partner 25: fill ids 2..24 first (id 1 is the company)
    const { host: _host, ...headers } = request.headers;
    const json = (vals: unknown) => ({ method: 'POST', headers, body: JSON.stringify(vals) });
    const fillers = Array.from({ length: 23 }, (_, i) => ({ name: `Filler ${i}` }));
    let res = await fetch(`${sim.url}/json/2/res.partner/create`, json({ vals_list: fillers }));
    expect(res.status).toBe(200);
    res = await fetch(`${sim.url}/json/2/res.partner/create`, json({ vals_list: [{ name: 'Deco Addict', is_company: true }, { name: 'Deco Addict, Jane', is_company: false }] }));
    expect(await res.json()).toEqual([25, 26]);

    const [method, path] = request.startLine.split(' ');
    res = await fetch(`${sim.url}${path}`, { method, headers, body: request.body });
    const expected = fixtureHttp('odoo19_json2_search_read_res.partner.response.http');
    expect(`HTTP/1.1 ${res.status} ${res.statusText}`).toBe(expected.startLine);
    expect(res.headers.get('content-type')).toBe(expected.headers['content-type']);
    expect(await res.json()).toEqual(JSON.parse(expected.body));
    expect(JSON.parse(expected.body)).toEqual(fixtureJson('odoo19_json2_search_read_res.partner.response-body.json'));
  });

  it('answers a bad key with the documented 401', async () => {
    const res = await fetch(`${sim.url}/json/2/res.partner/search_read`, {
      method: 'POST',
      headers: { authorization: 'bearer not-a-key', 'x-odoo-database': FIXTURE_DB, 'content-type': 'application/json' },
      body: '{}',
    });
    const expected = fixtureHttp('odoo19_json2_error_401.response.http');
    expect(`HTTP/1.1 ${res.status} ${res.statusText}`).toBe(expected.startLine);
    expect(res.headers.get('content-type')).toBe(expected.headers['content-type']);
    expect(res.headers.get('www-authenticate')).toBe('bearer');
    const body = (await res.json()) as Record<string, unknown>;
    const documented = fixtureJson<Record<string, unknown>>('odoo19_json2_error_401.response-body.json');
    expect(Object.keys(body).sort()).toEqual(Object.keys(documented).sort());
    expect({ ...body, debug: undefined }).toEqual({ ...documented, debug: undefined });
    expect(body.debug).toMatch(/^Traceback \(most recent call last\):/);
  });

  it('maps exceptions to the JSON-2 statuses', async () => {
    const call = (path: string, body: unknown) =>
      fetch(`${sim.url}/json/2/${path}`, {
        method: 'POST',
        headers: { authorization: `bearer ${FIXTURE_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const named = async (res: Response) => [res.status, ((await res.json()) as { name: string }).name];
    expect(await named(await call('sale.order/create', { vals_list: [{}] }))).toEqual([422, 'odoo.exceptions.ValidationError']);
    expect(await named(await call('sale.order/read', { ids: [999] }))).toEqual([404, 'odoo.exceptions.MissingError']);
    expect(await named(await call('no.model/read', {}))).toEqual([404, 'werkzeug.exceptions.NotFound']);
    expect(await named(await call('res.partner/_private', {}))).toEqual([404, 'werkzeug.exceptions.NotFound']);
    expect(await named(await call('res.partner/search', { bogus: 1 }))).toEqual([422, 'builtins.TypeError']);
    expect(await named(await call('res.partner/search', { domain: [['nope', '=', 1]] }))).toEqual([500, 'builtins.ValueError']);
    const bad = await fetch(`${sim.url}/json/2/res.partner/search`, {
      method: 'POST',
      headers: { authorization: `bearer ${FIXTURE_KEY}`, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(await named(bad)).toEqual([400, 'werkzeug.exceptions.BadRequest']);
    const text = await fetch(`${sim.url}/json/2/res.partner/search`, {
      method: 'POST',
      headers: { authorization: `bearer ${FIXTURE_KEY}`, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(await named(text)).toEqual([415, 'werkzeug.exceptions.UnsupportedMediaType']);
  });

  it('serves /web/version', async () => {
    const res = await fetch(`${sim.url}/web/version`);
    expect(await res.json()).toEqual({ version_info: [19, 0, 0, 'final', 0, ''], version: '19.0' });
  });
});

describe('JSON-RPC shapes against the odoo/http.py dispatcher fixtures', () => {
  const keysDeep = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, keysDeep((v as Record<string, unknown>)[k])])) : typeof v;

  it('answers a success with the documented envelope', async () => {
    const documented = fixtureJson<Record<string, unknown>>('odoo19_jsonrpc_dispatcher.success.response.json');
    const { status, body } = await rpc({ jsonrpc: '2.0', method: 'call', params: { service: 'common', method: 'version', args: [] }, id: null });
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(Object.keys(documented).sort());
    expect(body.id).toBeNull();
    expect(body.result).toMatchObject({ server_version: '19.0', protocol_version: 1 });
  });

  it('answers the documented request (no service) with the documented error envelope, HTTP 200', async () => {
    const documented = fixtureJson<Record<string, unknown>>('odoo19_jsonrpc_dispatcher.error.response.json');
    const { status, body } = await rpc(fixtureJson('odoo19_jsonrpc_dispatcher.request.json'));
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(Object.keys(documented).sort());
    expect(body.id).toBeNull();
    const error = body.error as { code: number; message: string; data: Record<string, unknown> };
    expect(Object.keys(error).sort()).toEqual(Object.keys(documented.error as object).sort());
    expect(error).toMatchObject({ code: 0, message: 'Odoo Server Error' });
    expect(Object.keys(error.data).sort()).toEqual(['arguments', 'context', 'debug', 'message', 'name']);
  });

  it('returns execute_kw search_read records in the documented shape', async () => {
    const uid = (await rpc({ jsonrpc: '2.0', method: 'call', params: { service: 'common', method: 'authenticate', args: [FIXTURE_DB, 'admin', FIXTURE_KEY, {}] }, id: 1 })).body.result;
    expect(uid).toBe(2);
    const [belgium] = (await rpc({ jsonrpc: '2.0', method: 'call', params: { service: 'object', method: 'execute_kw', args: [FIXTURE_DB, uid, FIXTURE_KEY, 'res.country', 'search', [[['code', '=', 'BE']]]] }, id: 2 })).body.result as number[];
    await rpc({ jsonrpc: '2.0', method: 'call', params: { service: 'object', method: 'execute_kw', args: [FIXTURE_DB, uid, FIXTURE_KEY, 'res.partner', 'create', [[{ name: 'Agrolait', is_company: true, country_id: belgium }]]] }, id: 3 });
    const { body } = await rpc({
      jsonrpc: '2.0',
      method: 'call',
      params: { service: 'object', method: 'execute_kw', args: [FIXTURE_DB, uid, FIXTURE_KEY, 'res.partner', 'search_read', [[['is_company', '=', true], ['country_id', '!=', false]]], { fields: ['name', 'country_id', 'comment'], limit: 5 }] },
      id: 4,
    });
    const documented = fixtureJson<unknown[]>('odoo19_rpc_execute_kw_search_read_res.partner.result.json');
    const result = body.result as Array<Record<string, unknown>>;
    expect(result).toHaveLength(1);
    expect(result.map(keysDeep)).toEqual([keysDeep(documented[0])]);
    expect(result[0]).toEqual({ id: expect.any(Number), name: 'Agrolait', comment: false, country_id: [belgium, 'Belgium'] });
  });

  it('answers a wrong key on execute_kw with AccessDenied, and a wrong login on authenticate with false', async () => {
    const denied = await rpc({ jsonrpc: '2.0', method: 'call', params: { service: 'object', method: 'execute_kw', args: [FIXTURE_DB, 2, 'wrong', 'res.partner', 'search', [[]]] }, id: 5 });
    expect((denied.body.error as { data: { name: string } }).data.name).toBe('odoo.exceptions.AccessDenied');
    const auth = await rpc({ jsonrpc: '2.0', method: 'call', params: { service: 'common', method: 'authenticate', args: [FIXTURE_DB, 'someone', FIXTURE_KEY, {}] }, id: 6 });
    expect(auth.body.result).toBe(false);
  });
});
