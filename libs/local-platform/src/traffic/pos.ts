/** Bodies of the POS API (POST /v1/pos/sales, /v1/pos/sales/batch, /v1/pos/returns). */
import { DEMO_CURRENCY } from './catalog';
import { isoWithOffset, priceLines, sumCents, type OrderLineInput } from './lines';
import { fromCents } from './money';

export interface PosSaleInput {
  saleId: string;
  lines: readonly OrderLineInput[];
  currency?: string;
  occurredAt?: Date;
  /** Omit to sell at the store the API key is bound to. */
  locationId?: string;
  tender?: 'card' | 'cash';
  /** The loyalty member at the till, and the email the customer gave. */
  customer?: { loyaltyMemberId?: string; email?: string };
  /** Part of the total paid with loyalty points (a `loyalty_points` tender), e.g. '1.00'; the rest by `tender`. */
  pointsPaid?: string;
}

export interface PosReturnLineInput extends OrderLineInput {
  restock?: boolean;
  reason?: string;
}

export interface PosReturnInput {
  returnId: string;
  saleId: string;
  lines: readonly PosReturnLineInput[];
  currency?: string;
  occurredAt?: Date;
  locationId?: string;
}

/** Prices include VAT at the till; the 19 % share is reported per line. */
function includedVatCents(grossCents: number): number {
  return Math.round(grossCents - grossCents / 1.19);
}

export function posSaleObject(input: PosSaleInput): Record<string, unknown> {
  const priced = priceLines(input.lines);
  const total = sumCents(priced.map((l) => l.totalCents));
  return {
    saleId: input.saleId,
    receiptNumber: `R-${input.saleId}`,
    occurredAt: isoWithOffset(input.occurredAt ?? new Date()),
    currency: input.currency ?? DEMO_CURRENCY,
    ...(input.locationId ? { locationId: input.locationId } : {}),
    taxesIncluded: true,
    ...(input.customer ? { customer: input.customer } : {}),
    lines: priced.map((line, index) => ({
      lineId: String(index + 1),
      sku: line.item.sku,
      name: line.item.name,
      quantity: line.quantity,
      unitPrice: fromCents(line.unitCents),
      discount: '0.00',
      tax: fromCents(includedVatCents(line.totalCents)),
    })),
    payments: input.pointsPaid
      ? [
          { tenderId: '1', method: input.tender ?? 'card', amount: fromCents(total - Math.round(Number(input.pointsPaid) * 100)) },
          { tenderId: '2', method: 'loyalty_points', amount: input.pointsPaid },
        ]
      : [{ tenderId: '1', method: input.tender ?? 'card', amount: fromCents(total) }],
  };
}

export function posSale(input: PosSaleInput): string {
  return JSON.stringify(posSaleObject(input));
}

/** An offline batch upload: `{items:[sale…]}`. */
export function posSaleBatch(sales: readonly PosSaleInput[]): string {
  return JSON.stringify({ items: sales.map(posSaleObject) });
}

export function posReturn(input: PosReturnInput): string {
  const priced = priceLines(input.lines);
  const total = sumCents(priced.map((l) => l.totalCents));
  return JSON.stringify({
    returnId: input.returnId,
    saleId: input.saleId,
    occurredAt: isoWithOffset(input.occurredAt ?? new Date()),
    currency: input.currency ?? DEMO_CURRENCY,
    ...(input.locationId ? { locationId: input.locationId } : {}),
    lines: priced.map((line, index) => ({
      lineId: String(index + 1),
      sku: line.item.sku,
      quantity: line.quantity,
      restock: input.lines[index]!.restock ?? true,
      ...(input.lines[index]!.reason ? { reason: input.lines[index]!.reason } : {}),
      refundAmount: fromCents(line.totalCents),
    })),
    refunds: [{ tenderId: '1', method: 'card', amount: fromCents(total) }],
  });
}
