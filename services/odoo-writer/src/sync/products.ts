import type { Registry } from '@retail-backbone/observability';
import { Counter } from 'prom-client';
import type { OdooGateway } from '../odoo/gateway';

interface Entry {
  id: number;
  expiresAt: number;
}

/**
 * product.product ids by SKU (default_code), cached for `ttlMs`. Misses are resolved together in
 * one search_read. default_code is not unique in Odoo: the oldest active product wins. Unknown
 * SKUs are not cached, so a product created later is found on the next attempt.
 */
export class ProductResolver {
  private readonly cache = new Map<string, Entry>();
  private readonly lookups: Counter;

  constructor(
    private readonly odoo: OdooGateway,
    private readonly ttlMs: number,
    registry: Registry,
    private readonly now: () => number = Date.now,
  ) {
    this.lookups =
      (registry.getSingleMetric('odoo_writer_product_cache_total') as Counter | undefined) ??
      new Counter({ name: 'odoo_writer_product_cache_total', help: 'SKU lookups by cache result', labelNames: ['result'], registers: [registry] });
  }

  /** Ids of the SKUs found; absent keys are unknown to Odoo (or archived). */
  async resolve(skus: Iterable<string>): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    const missing = new Set<string>();
    const now = this.now();
    for (const sku of skus) {
      const entry = this.cache.get(sku);
      if (entry && entry.expiresAt > now) found.set(sku, entry.id);
      else missing.add(sku);
    }
    this.lookups.inc({ result: 'hit' }, found.size);
    if (missing.size === 0) return found;
    this.lookups.inc({ result: 'miss' }, missing.size);
    const rows = await this.odoo.searchRead<{ id: number; default_code: string }>('product.product', [['default_code', 'in', [...missing]]], {
      fields: ['default_code'],
      order: 'id asc',
    });
    const expiresAt = this.now() + this.ttlMs;
    for (const row of rows) {
      if (found.has(row.default_code) || !missing.has(row.default_code)) continue;
      found.set(row.default_code, row.id);
      this.cache.set(row.default_code, { id: row.id, expiresAt });
    }
    return found;
  }
}
