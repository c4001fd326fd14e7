import { trace, type Attributes, type Span, type SpanOptions, type SpanStatus, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { createOdooClient } from '../src';
import { startOdooSimulator } from '@retail-backbone/odoo-simulator';

interface Recorded {
  name: string;
  attributes: Attributes;
  status?: SpanStatus;
  ended: boolean;
}

/** A minimal recording provider: the client only depends on @opentelemetry/api. */
function recordingProvider(spans: Recorded[]): TracerProvider {
  const tracer = {
    startSpan(name: string, options?: SpanOptions): Span {
      const rec: Recorded = { name, attributes: { ...options?.attributes }, ended: false };
      spans.push(rec);
      const span = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
      return Object.assign(Object.create(span) as Span, {
        setAttribute: (k: string, v: Attributes[string]) => ((rec.attributes[k] = v), span),
        setStatus: (s: SpanStatus) => ((rec.status = s), span),
        end: () => void (rec.ended = true),
      });
    },
    startActiveSpan(name: string, ...rest: unknown[]) {
      const fn = rest[rest.length - 1] as (s: Span) => unknown;
      const options = (rest.length > 1 ? rest[0] : undefined) as SpanOptions | undefined;
      return fn(tracer.startSpan(name, options));
    },
  } as unknown as Tracer;
  return { getTracer: () => tracer };
}

it('opens one client span per call with the rpc attributes, marking errors without messages', async () => {
  const spans: Recorded[] = [];
  trace.setGlobalTracerProvider(recordingProvider(spans));
  const sim = await startOdooSimulator();
  const client = createOdooClient({ url: sim.url, database: sim.database, apiKey: sim.apiKey, protocol: 'json2', timeoutMs: 2000 });
  try {
    await client.searchCount('res.partner');
    await expect(client.read('sale.order', [99])).rejects.toThrow();
  } finally {
    await client.close();
    await sim.stop();
    trace.disable();
  }
  expect(spans).toHaveLength(2);
  expect(spans[0]).toMatchObject({
    name: 'res.partner/search_count',
    ended: true,
    attributes: { 'rpc.system': 'odoo', 'rpc.service': 'res.partner', 'rpc.method': 'search_count', 'server.address': '127.0.0.1', 'odoo.protocol': 'json2' },
  });
  expect(spans[1]!.status).toEqual({ code: 2, message: 'OdooMissingError' });
  expect(spans[1]!.attributes['error.type']).toBe('odoo.exceptions.MissingError');
});
