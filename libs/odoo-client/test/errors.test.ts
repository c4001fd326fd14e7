import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixtureHttp, fixtureJson, fixtureText } from '../../odoo-simulator/test/fixtures';
import {
  createOdooClient,
  errorFromPayload,
  OdooAccessError,
  OdooConcurrencyError,
  OdooServerError,
  OdooValidationError,
  parseErrorPayload,
  parseRetryAfter,
} from '../src';

describe('error payload parsing', () => {
  it('reads the documented JSON-2 401 body', () => {
    const err = errorFromPayload(parseErrorPayload(fixtureJson('odoo19_json2_error_401.response-body.json')), 401, 'HTTP 401');
    expect(err).toBeInstanceOf(OdooAccessError);
    expect(err).toMatchObject({ odooName: 'werkzeug.exceptions.Unauthorized', message: 'Invalid apikey', arguments: ['Invalid apikey', 401], retryable: false });
  });

  it('tolerates the draft page 401 body, a bare JSON string', () => {
    const payload = parseErrorPayload(fixtureJson('odoo_json2_error_401.draft-page.response-body.json'));
    expect(payload).toEqual({ message: 'Invalid apikey' });
    expect(errorFromPayload(payload, 401, 'HTTP 401')).toBeInstanceOf(OdooAccessError);
  });

  it('classifies by exception name before status', () => {
    expect(errorFromPayload({ name: 'odoo.exceptions.UserError', message: 'x' }, 422, '')).toBeInstanceOf(OdooValidationError);
    expect(errorFromPayload({ name: 'psycopg2.errors.SerializationFailure', message: 'could not serialize access' }, 500, '')).toBeInstanceOf(OdooConcurrencyError);
    expect(errorFromPayload({ name: 'builtins.ZeroDivisionError', message: 'division by zero' }, 500, '')).toBeInstanceOf(OdooServerError);
    expect(errorFromPayload(undefined, 409, 'HTTP 409')).toBeInstanceOf(OdooConcurrencyError);
  });

  it('parses Retry-After as seconds or a date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('answers replayed from the fixtures', () => {
  let server: Server;
  let url: string;
  let reply: { status: number; contentType: string; body: string };
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(reply.status, { 'content-type': reply.contentType }).end(reply.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('JSON-2: the documented 401 exchange becomes an OdooAccessError', async () => {
    const documented = fixtureHttp('odoo19_json2_error_401.response.http');
    reply = { status: 401, contentType: documented.headers['content-type']!, body: documented.body };
    const client = createOdooClient({ url, database: 'db', apiKey: 'k', protocol: 'json2', timeoutMs: 2000 });
    await expect(client.searchCount('res.partner')).rejects.toBeInstanceOf(OdooAccessError);
    reply = { status: 401, contentType: 'application/json', body: fixtureText('odoo_json2_error_401.draft-page.response-body.json') };
    await expect(client.searchCount('res.partner')).rejects.toMatchObject({ name: 'OdooAccessError', message: 'Invalid apikey' });
    await client.close();
  });

  it('JSON-RPC: the odoo/http.py dispatcher error (no exception name) becomes an OdooServerError', async () => {
    reply = { status: 200, contentType: 'application/json', body: fixtureText('odoo19_jsonrpc_dispatcher.error.response.json') };
    const client = createOdooClient({ url, database: 'db', apiKey: 'k', login: 'admin', protocol: 'jsonrpc', timeoutMs: 2000 });
    await expect(client.version()).rejects.toMatchObject({ name: 'OdooServerError', message: 'End user error message.', retryable: false });
    reply = { status: 200, contentType: 'application/json', body: fixtureText('odoo19_jsonrpc_dispatcher.success.response.json') };
    await expect(client.call('any.model', 'any_method')).rejects.toBeInstanceOf(OdooAccessError); // authenticate did not return a uid
    await client.close();
  });

  it('rejects bad options with specific errors', () => {
    expect(() => createOdooClient({ url: 'nope', database: 'd', apiKey: 'k', protocol: 'json2' })).toThrow(/url/);
    expect(() => createOdooClient({ url: 'http://x', database: 'd', apiKey: 'k', protocol: 'jsonrpc' })).toThrow(/login/);
    expect(() => createOdooClient({ url: 'http://x', database: 'd', apiKey: 'k', protocol: 'json2', timeoutMs: -1 })).toThrow(/timeoutMs/);
  });
});
