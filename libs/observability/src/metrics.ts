import { collectDefaultMetrics, Registry } from 'prom-client';

export interface RegistryOptions {
  service: string;
  /** Process metrics (CPU, heap, event loop lag); on by default. */
  defaultMetrics?: boolean;
}

/**
 * One registry per service instance rather than prom-client's global one, so that several
 * components (and tests) in one process never collide on metric names.
 */
export function createMetricsRegistry(options: RegistryOptions): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}

export { Registry };
