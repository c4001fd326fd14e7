import type { Contribution, OrderRecord, StockRow } from './types';

/**
 * What the projection rules read and write. Synchronous on purpose: the Postgres adapter loads
 * (and locks) everything an event needs before the rules run, so the same rules serve the live
 * consumer, the rebuild and the in-memory model used by the property tests.
 */
export interface ProjectionStore {
  getStock(sku: string, locationId: string): StockRow | undefined;
  putStock(row: StockRow): void;
  getOrder(orderId: string): OrderRecord | undefined;
  putOrder(order: OrderRecord): void;
  hasContribution(sku: string, locationId: string, id: string): boolean;
  addContribution(sku: string, locationId: string, contribution: Contribution): void;
  /** Contributions of the key observed strictly after `after`. */
  contributionsAfter(sku: string, locationId: string, after: number): Contribution[];
  /** Forgets contributions observed at or before `upTo`: a snapshot now covers them. */
  pruneContributions(sku: string, locationId: string, upTo: number): void;
}

export function stockKey(sku: string, locationId: string): string {
  return `${sku}@${locationId}`;
}
