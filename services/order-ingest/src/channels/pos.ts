/**
 * The POS API's own payloads (camelCase JSON) → canonical facts. A sale becomes OrderPlaced plus
 * one PaymentCaptured per tender; a return becomes ReturnReceived plus one PaymentRefunded per
 * refund tender. Sale and return ids are the client's ids and must be unique within the estate.
 */
import Big from 'big.js';
import { z } from 'zod';
import { fact, type Fact, type MappedMessage } from '../facts';
import { canonicalCustomerId } from '../customers';
import { ids } from '../ids';
import { money, sum } from '../money';
import { parseWith } from '../validation';
import { currencyField, instantField, nonNegativeDecimal, optionalText, quantityField } from './fields';

const CHANNEL = 'pos';
export const MAX_LINES = 500;

export const clientIdField = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 letters, digits, ".", "_", ":" or "-"');

const tender = z.object({
  tenderId: clientIdField,
  method: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a lower-case method like "card" or "cash"'),
  amount: nonNegativeDecimal,
  provider: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/).optional(),
});

export const saleSchema = z.object({
  saleId: clientIdField,
  receiptNumber: optionalText,
  occurredAt: instantField,
  currency: currencyField,
  locationId: z.string().min(1).max(128).optional(),
  taxesIncluded: z.boolean().default(true),
  customer: z
    .object({ loyaltyMemberId: optionalText, email: optionalText, phone: optionalText, firstName: optionalText, lastName: optionalText })
    .optional(),
  lines: z
    .array(
      z.object({
        lineId: clientIdField.optional(),
        sku: z.string().min(1).max(128),
        name: z.string().min(1).max(512).optional(),
        quantity: quantityField,
        unitPrice: nonNegativeDecimal,
        discount: nonNegativeDecimal.default('0'),
        tax: nonNegativeDecimal.default('0'),
      }),
    )
    .min(1, 'a sale needs at least one line')
    .max(MAX_LINES),
  payments: z.array(tender).max(50).default([]),
});

export const returnSchema = z.object({
  returnId: clientIdField,
  saleId: clientIdField,
  occurredAt: instantField,
  currency: currencyField,
  locationId: z.string().min(1).max(128).optional(),
  lines: z
    .array(
      z.object({
        lineId: clientIdField.optional(),
        sku: z.string().min(1).max(128),
        quantity: quantityField,
        restock: z.boolean().default(true),
        reason: z.string().max(64).optional(),
        refundAmount: nonNegativeDecimal,
      }),
    )
    .min(1, 'a return needs at least one line')
    .max(MAX_LINES),
  refunds: z.array(tender).max(50).default([]),
});

export interface PosStore {
  estateId: string;
  storeId: string;
  locationId: string;
}

function tenderProvider(t: z.infer<typeof tender>): string {
  return t.provider ?? (t.method === 'cash' ? 'cash' : 'pos_terminal');
}

export function mapPosSale(payload: unknown, store: PosStore, pointer = ''): MappedMessage {
  const s = parseWith(saleSchema, payload, pointer);
  const orderId = ids.order(CHANNEL, store.estateId, s.saleId);
  const currency = s.currency;
  const base = { channel: CHANNEL, channelId: store.estateId, orderId };
  const subtotal = sum(s.lines.map((l) => new Big(l.unitPrice).times(l.quantity)));
  const discounts = sum(s.lines.map((l) => l.discount));
  const tax = sum(s.lines.map((l) => l.tax));
  const grandTotal = subtotal.minus(discounts).plus(s.taxesIncluded ? 0 : tax);
  const paid = sum(s.payments.map((p) => p.amount));
  const facts: Fact[] = [
    fact(
      'OrderPlaced',
      { ...base, kind: 'order', externalId: s.saleId, occurredAt: s.occurredAt },
      {
        orderId,
        channel: CHANNEL,
        channelId: store.estateId,
        channelOrderId: s.saleId,
        channelOrderNumber: s.receiptNumber,
        storeId: store.storeId,
        locationId: s.locationId ?? store.locationId,
        customer: {
          customerId: canonicalCustomerId(CHANNEL, store.estateId, { email: s.customer?.email, loyaltyMemberId: s.customer?.loyaltyMemberId }),
          channelCustomerId: null,
          email: s.customer?.email ?? null,
          phone: s.customer?.phone ?? null,
          firstName: s.customer?.firstName ?? null,
          lastName: s.customer?.lastName ?? null,
          loyaltyMemberId: s.customer?.loyaltyMemberId ?? null,
        },
        lines: s.lines.map((l, index) => ({
          lineId: l.lineId ?? String(index + 1),
          sku: l.sku,
          name: l.name ?? l.sku,
          quantity: l.quantity,
          unitPrice: money(l.unitPrice, currency),
          discount: money(l.discount, currency),
          tax: money(l.tax, currency),
          channelVariantId: null,
        })),
        currency,
        taxesIncluded: s.taxesIncluded,
        totals: {
          subtotal: money(subtotal, currency),
          discounts: money(discounts, currency),
          tax: money(tax, currency),
          shipping: money(0, currency),
          grandTotal: money(grandTotal, currency),
        },
        shippingAddress: null,
        billingAddress: null,
        shippingMethod: null,
        placedAt: s.occurredAt,
        financialStatus: paid.gte(grandTotal) ? 'paid' : paid.gt(0) ? 'partially_paid' : 'pending',
      },
    ),
  ];
  for (const p of s.payments) {
    const provider = tenderProvider(p);
    const providerPaymentId = `${store.estateId}:${s.saleId}:${p.tenderId}`;
    facts.push(
      fact(
        'PaymentCaptured',
        { ...base, kind: 'payment', externalId: `${s.saleId}:${p.tenderId}`, occurredAt: s.occurredAt },
        {
          orderId,
          paymentId: ids.payment(provider, providerPaymentId),
          provider,
          providerPaymentId,
          amount: money(p.amount, currency),
          method: p.method,
          capturedAt: s.occurredAt,
        },
      ),
    );
  }
  return { orderId, externalId: s.saleId, facts };
}

export function mapPosReturn(payload: unknown, store: PosStore): MappedMessage {
  const r = parseWith(returnSchema, payload);
  const orderId = ids.order(CHANNEL, store.estateId, r.saleId);
  const returnId = ids.return(CHANNEL, store.estateId, r.returnId);
  const currency = r.currency;
  const base = { channel: CHANNEL, channelId: store.estateId, orderId };
  const lines = r.lines.map((l) => ({
    lineId: l.lineId ?? null,
    sku: l.sku,
    quantity: l.quantity,
    restock: l.restock,
    reason: l.reason ?? null,
    refundAmount: money(l.refundAmount, currency),
  }));
  const facts: Fact[] = [
    fact(
      'ReturnReceived',
      { ...base, kind: 'return', externalId: r.returnId, occurredAt: r.occurredAt },
      {
        orderId,
        returnId,
        channel: CHANNEL,
        channelReturnId: r.returnId,
        locationId: r.locationId ?? store.locationId,
        lines,
        refundTotal: money(sum(r.lines.map((l) => l.refundAmount)), currency),
        receivedAt: r.occurredAt,
      },
    ),
  ];
  for (const t of r.refunds) {
    const provider = tenderProvider(t);
    const providerRefundId = `${store.estateId}:${r.returnId}:${t.tenderId}`;
    facts.push(
      fact(
        'PaymentRefunded',
        { ...base, kind: 'refund', externalId: `${r.returnId}:${t.tenderId}`, occurredAt: r.occurredAt },
        {
          orderId,
          refundId: ids.refund(provider, providerRefundId),
          paymentId: null,
          provider,
          providerRefundId,
          amount: money(t.amount, currency),
          reason: r.lines[0]?.reason ?? null,
          returnId,
          refundedAt: r.occurredAt,
        },
      ),
    );
  }
  return { orderId, externalId: r.returnId, facts };
}
