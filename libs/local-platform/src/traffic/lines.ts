import { DEMO_CATALOG, catalogItem, type CatalogItem } from './catalog';
import { toCents } from './money';

export interface OrderLineInput {
  sku: string;
  quantity: number;
}

export interface PricedLine {
  item: CatalogItem;
  /** Position in the catalog: stable per SKU, used to derive channel product ids. */
  catalogIndex: number;
  quantity: number;
  unitCents: number;
  totalCents: number;
}

/** Prices lines from the catalog; quantities must be whole and positive as every channel sends them. */
export function priceLines(lines: readonly OrderLineInput[]): PricedLine[] {
  if (lines.length === 0) throw new RangeError('an order needs at least one line');
  return lines.map((line) => {
    if (!Number.isInteger(line.quantity) || line.quantity <= 0) throw new RangeError(`quantity of ${line.sku} must be a positive whole number, got ${line.quantity}`);
    const item = catalogItem(line.sku);
    const unitCents = toCents(item.price);
    return { item, catalogIndex: DEMO_CATALOG.indexOf(item), quantity: line.quantity, unitCents, totalCents: unitCents * line.quantity };
  });
}

export function sumCents(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** `2024-05-01T10:00:00+00:00`: seconds precision with an explicit offset, as Shopify and tills send. */
export function isoWithOffset(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** WooCommerce's *_gmt form: UTC without an offset. */
export function wooGmt(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, '');
}
