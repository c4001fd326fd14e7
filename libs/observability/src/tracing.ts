import { context, propagation, trace, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';

/** For tests of services: pass one as `spanExporter` and read the finished spans back. */
export { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
  /** Extra resource attributes (region, deployment environment). */
  attributes?: Record<string, string>;
  /**
   * Explicit exporter, exported span by span (tests pass an InMemorySpanExporter). Without it
   * the OTLP/HTTP exporter is used when OTEL_EXPORTER_OTLP_ENDPOINT or
   * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set; otherwise tracing stays off.
   */
  spanExporter?: SpanExporter;
  /** Auto-instrument node:http, express and pg (default true when exporting). */
  instrumentations?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface Telemetry {
  readonly enabled: boolean;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * kafkajs is deliberately not auto-instrumented: the messaging library creates the `send` and
 * `process` spans itself, because the relay must publish with the context stored with the outbox
 * row, which an auto-instrumentation would overwrite with the relay's own.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const env = options.env ?? process.env;
  const endpointConfigured = Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (env.OTEL_SDK_DISABLED === 'true' || (!options.spanExporter && !endpointConfigured)) {
    return { enabled: false, forceFlush: async () => {}, shutdown: async () => {} };
  }
  const spanProcessor = options.spanExporter
    ? new SimpleSpanProcessor(options.spanExporter)
    : new BatchSpanProcessor(new OTLPTraceExporter());
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
      ...options.attributes,
    }),
    spanProcessors: [spanProcessor],
    textMapPropagator: traceHeaderPropagator,
    instrumentations:
      options.instrumentations === false
        ? []
        : [new HttpInstrumentation(), new ExpressInstrumentation(), new PgInstrumentation({ requireParentSpan: true })],
  });
  sdk.start();
  return {
    enabled: true,
    forceFlush: () => spanProcessor.forceFlush(),
    shutdown: () => sdk.shutdown(),
  };
}

/**
 * W3C trace context + baggage, used explicitly (not through the global propagator) so that
 * header propagation behaves the same whether or not the SDK was started.
 */
export const traceHeaderPropagator = new CompositePropagator({
  propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
});

export type TraceCarrier = Record<string, string>;

const recordSetter: TextMapSetter<TraceCarrier> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

type HeaderValue = string | Buffer | (string | Buffer)[] | undefined;
const headerGetter: TextMapGetter<Record<string, HeaderValue>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    if (value === undefined) return undefined;
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.toString();
  },
};

/** The traceparent/tracestate/baggage headers of `ctx` (the active context by default). */
export function injectTraceContext(ctx: Context = context.active()): TraceCarrier {
  const carrier: TraceCarrier = {};
  traceHeaderPropagator.inject(ctx, carrier, recordSetter);
  return carrier;
}

/** The context described by W3C headers (Kafka headers, HTTP headers or a stored record). */
export function extractTraceContext(headers: Record<string, HeaderValue> | null | undefined, base: Context = context.active()): Context {
  if (!headers) return base;
  return traceHeaderPropagator.extract(base, headers, headerGetter);
}

export function currentTraceIds(): { traceId: string; spanId: string } | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext ? { traceId: spanContext.traceId, spanId: spanContext.spanId } : undefined;
}

export { propagation };
