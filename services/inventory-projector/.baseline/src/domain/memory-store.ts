import { stockKey, type ProjectionStore } from './store';
import type { Contribution, OrderRecord, StockRow } from './types';

/** The projection held in memory: the reference for tests and the working set of a rebuild. */
export class MemoryStore implements ProjectionStore {
  readonly stock = new Map<string, StockRow>();
  readonly orders = new Map<string, OrderRecord>();
  private readonly contributions = new Map<string, Map<string, Contribution>>();

  getStock(sku: string, locationId: string): StockRow | undefined {
    return this.stock.get(stockKey(sku, locationId));
  }

  putStock(row: StockRow): void {
    this.stock.set(stockKey(row.sku, row.locationId), row);
  }

  getOrder(orderId: string): OrderRecord | undefined {
    return this.orders.get(orderId);
  }

  putOrder(order: OrderRecord): void {
    this.orders.set(order.orderId, order);
  }

  hasContribution(sku: string, locationId: string, id: string): boolean {
    return this.contributions.get(stockKey(sku, locationId))?.has(id) ?? false;
  }

  addContribution(sku: string, locationId: string, contribution: Contribution): void {
    const key = stockKey(sku, locationId);
    let byId = this.contributions.get(key);
    if (!byId) {
      byId = new Map();
      this.contributions.set(key, byId);
    }
    byId.set(contribution.id, contribution);
  }

  contributionsAfter(sku: string, locationId: string, after: number): Contribution[] {
    return [...(this.contributions.get(stockKey(sku, locationId))?.values() ?? [])].filter((c) => c.observedAt > after);
  }

  pruneContributions(sku: string, locationId: string, upTo: number): void {
    const byId = this.contributions.get(stockKey(sku, locationId));
    if (!byId) return;
    for (const [id, c] of byId) if (c.observedAt <= upTo) byId.delete(id);
  }
}
