import type { KnownOrder, ShipmentFacts } from './db/store';

/** Where a shipment is propagated: the ordering channel's API, or the customer-notification hook. */
export type TargetKind = 'shopify' | 'woocommerce' | 'pos' | 'customer-hook';

export const EFFECT_KINDS: Record<TargetKind, string> = {
  shopify: 'shopify.fulfillment.create',
  woocommerce: 'woocommerce.order.ship',
  pos: 'pos.store.notify',
  'customer-hook': 'customer.notification.send',
};

/** A shipment line resolved to the order's line it ships. */
export interface ResolvedLine {
  lineId: string;
  sku: string;
  quantity: number;
}

/** What one propagation effect carries (recorded in the consumer transaction). */
export interface PropagationPayload extends Record<string, unknown> {
  target: TargetKind;
  orderId: string;
  shipmentKey: string;
  shipmentId: string;
  channel: string;
  channelId: string;
  channelOrderId: string;
  channelOrderNumber: string | null;
  storeId: string | null;
  locationId: string;
  lines: ResolvedLine[];
  /** True when, with this shipment, every unit of the order has shipped. */
  completesOrder: boolean;
  carrier: string | null;
  trackingNumber: string | null;
  trackingUrl: string | null;
  dispatchedAt: number;
  /** Only for the customer hook: the customer's contact details (personal data). */
  contact?: KnownOrder['contact'];
}

/** A shipment is identified per source ('wms', 'odoo'): the same id from two sources is two shipments. */
export function shipmentKeyOf(s: Pick<ShipmentFacts, 'source' | 'shipmentId'>): string {
  return `${s.source}:${s.shipmentId}`;
}

/** Deterministic: the same shipment and target always give the same key (and idempotency key). */
export function effectKey(target: TargetKind, shipmentKey: string): string {
  return `ship:${target}:${shipmentKey}`;
}

/**
 * Propagations of one order to one target run one at a time, in the order the shipments came,
 * while the order's other targets (and every other order) go on: a slow channel holds up only
 * its own calls.
 */
export function aggregateOf(orderId: string, target: TargetKind): string {
  return `${orderId}|${target}`;
}

export function channelTarget(channel: string): TargetKind | undefined {
  return channel === 'shopify' || channel === 'woocommerce' || channel === 'pos' ? channel : undefined;
}

export type Refusal = { code: 'unknown_lines' | 'over_quantity' | 'invalid_quantity'; reason: string };

/**
 * Maps a shipment's lines onto its order's lines (by line id when given, else by SKU onto the
 * lines with units left) and checks nothing ships beyond what was ordered, counting the
 * shipments already accepted. Returns the resolved lines, or why the shipment is refused.
 */
export function resolveLines(order: KnownOrder, shipment: ShipmentFacts, accepted: Map<string, number>): { lines: ResolvedLine[]; completesOrder: boolean } | Refusal {
  const left = new Map(order.lines.map((l) => [l.lineId, l.quantity - (accepted.get(l.lineId) ?? 0)]));
  const resolved = new Map<string, ResolvedLine>();
  const take = (lineId: string, sku: string, quantity: number) => {
    const r = resolved.get(lineId) ?? { lineId, sku, quantity: 0 };
    r.quantity += quantity;
    resolved.set(lineId, r);
    left.set(lineId, left.get(lineId)! - quantity);
  };
  const unknown: string[] = [];
  const over: string[] = [];
  const invalid = shipment.lines.filter((l) => !(Number.isInteger(l.quantity) && l.quantity > 0));
  if (invalid.length > 0) return { code: 'invalid_quantity', reason: `quantities must be positive: ${invalid.map((l) => `${l.sku}: ${l.quantity}`).join(', ')}` };
  for (const line of shipment.lines) {
    if (line.lineId) {
      const ordered = order.lines.find((l) => l.lineId === line.lineId);
      if (!ordered || ordered.sku !== line.sku) unknown.push(`line ${line.lineId} (${line.sku})`);
      else if (line.quantity > left.get(ordered.lineId)!) over.push(`line ${line.lineId}: ${line.quantity} shipped, ${Math.max(0, left.get(ordered.lineId)!)} left of ${ordered.quantity}`);
      else take(ordered.lineId, ordered.sku, line.quantity);
      continue;
    }
    const candidates = order.lines.filter((l) => l.sku === line.sku);
    if (candidates.length === 0) {
      unknown.push(`SKU ${line.sku}`);
      continue;
    }
    let rest = line.quantity;
    for (const c of candidates) {
      const n = Math.min(rest, Math.max(0, left.get(c.lineId)!));
      if (n > 0) take(c.lineId, c.sku, n);
      rest -= n;
    }
    if (rest > 0) over.push(`SKU ${line.sku}: ${line.quantity} shipped, ${line.quantity - rest} left of ${candidates.reduce((n, c) => n + c.quantity, 0)}`);
  }
  if (unknown.length > 0) return { code: 'unknown_lines', reason: `not on the order: ${unknown.join(', ')}` };
  if (over.length > 0) return { code: 'over_quantity', reason: `more than ordered: ${over.join('; ')}` };
  return { lines: [...resolved.values()], completesOrder: [...left.values()].every((n) => n <= 0) };
}
