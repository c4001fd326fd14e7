import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The correlation id is business context (born at ingest, carried by every derived event), so it
 * lives in its own AsyncLocalStorage rather than in OpenTelemetry baggage: it must keep working when
 * tracing is switched off.
 */
const storage = new AsyncLocalStorage<{ correlationId: string }>();

export function withCorrelationId<T>(correlationId: string, fn: () => T): T {
  return storage.run({ correlationId }, fn);
}

export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}
