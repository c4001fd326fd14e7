/**
 * WooCommerce order webhooks (REST v3 order shape) → canonical facts. Topics: order.created →
 * OrderPlaced; order.updated with status 'cancelled' → OrderCancelled; other updates carry no
 * fact the backbone publishes.
 */
import type { Address } from '@retail-backbone/contracts';
import Big from 'big.js';
import { z } from 'zod';
import { fact, type ChannelContext, type Fact, type MappedMessage } from '../facts';
import { canonicalCustomerId } from '../customers';
import { ids } from '../ids';
import { money, sum } from '../money';
import { parseWith, PayloadInvalidError, SKU_MISSING } from '../validation';
import { skuOrStandIn } from './shopify';
import { channelIdField, currencyField, nonNegativeDecimal, optionalText, quantityField } from './fields';

const CHANNEL = 'woocommerce';

/** WooCommerce's *_gmt fields are UTC without an offset, e.g. '2017-03-22T19:28:02'. */
const gmtInstant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/, 'must be a UTC date-time like 2017-03-22T19:28:02')
  .transform((value) => Date.parse(`${value}Z`));

const address = z.object({
  first_name: optionalText,
  last_name: optionalText,
  company: optionalText,
  address_1: optionalText,
  address_2: optionalText,
  city: optionalText,
  state: optionalText,
  postcode: optionalText,
  country: optionalText,
  email: optionalText,
  phone: optionalText,
});

const order = z.object({
  id: channelIdField,
  number: optionalText,
  status: z.string(),
  currency: currencyField,
  date_created_gmt: gmtInstant,
  date_modified_gmt: gmtInstant.nullish(),
  date_paid_gmt: gmtInstant.nullish(),
  payment_method: optionalText,
  transaction_id: optionalText,
  prices_include_tax: z.boolean().default(false),
  customer_id: z.number().int().nonnegative().default(0),
  billing: address.nullish(),
  shipping: address.nullish(),
  line_items: z
    .array(
      z.object({
        id: channelIdField,
        name: z.string().min(1),
        product_id: channelIdField.nullish(),
        variation_id: channelIdField.nullish(),
        quantity: quantityField,
        subtotal: nonNegativeDecimal,
        subtotal_tax: nonNegativeDecimal.default('0'),
        total: nonNegativeDecimal,
        total_tax: nonNegativeDecimal,
        sku: optionalText,
      }),
    )
    .min(1, 'an order needs at least one line item'),
  shipping_lines: z.array(z.object({ method_title: optionalText, total: nonNegativeDecimal })).default([]),
  discount_total: nonNegativeDecimal,
  discount_tax: nonNegativeDecimal.default('0'),
  shipping_total: nonNegativeDecimal,
  shipping_tax: nonNegativeDecimal.default('0'),
  total_tax: nonNegativeDecimal,
  total: nonNegativeDecimal,
});

export type WooTopic = 'order.created' | 'order.updated';
export const WOO_TOPICS: readonly string[] = ['order.created', 'order.updated'];

function financialStatus(status: string): string {
  if (status === 'processing' || status === 'completed') return 'paid';
  if (status === 'refunded') return 'refunded';
  if (status === 'cancelled' || status === 'failed') return 'voided';
  return 'pending';
}

/** WooCommerce sends empty strings for an address the customer never gave. */
function toAddress(input: z.infer<typeof address> | null | undefined, pointer: string): Address | null {
  if (!input || (!input.address_1 && !input.city && !input.country)) return null;
  const missing = (['address_1', 'city', 'country'] as const).filter((field) => !input[field]);
  if (missing.length > 0) {
    throw new PayloadInvalidError(missing.map((field) => ({ pointer: `${pointer}/${field}`, detail: 'is required when an address is given' })));
  }
  const country = input.country!.toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) throw new PayloadInvalidError([{ pointer: `${pointer}/country`, detail: 'must be an ISO-3166-1 alpha-2 country code' }]);
  const name = [input.first_name, input.last_name].filter(Boolean).join(' ');
  return {
    name: name || null,
    company: input.company,
    line1: input.address_1!,
    line2: input.address_2,
    city: input.city!,
    region: input.state,
    postalCode: input.postcode,
    countryCode: country,
    phone: input.phone,
  };
}

function mapPlaced(o: z.infer<typeof order>, ctx: ChannelContext): MappedMessage {
  const orderId = ids.order(CHANNEL, ctx.channelId, o.id);
  const currency = o.currency;
  const lines = o.line_items.map((line, index) => {
    const sku = skuOrStandIn(CHANNEL, line.sku, line.variation_id, line.product_id);
    if (!sku) throw new PayloadInvalidError([{ pointer: `/line_items/${index}/sku`, detail: SKU_MISSING }]);
    // WooCommerce's line amounts exclude tax even when the shop's prices include it: the order's
    // prices are given as the shop shows them (taxesIncluded), tax added back when included
    const included = o.prices_include_tax;
    const subtotal = new Big(line.subtotal).plus(included ? line.subtotal_tax : 0);
    const total = new Big(line.total).plus(included ? line.total_tax : 0);
    return {
      lineId: line.id,
      sku,
      name: line.name,
      quantity: line.quantity,
      unitPrice: money(subtotal.div(line.quantity).round(6), currency),
      discount: money(subtotal.minus(total), currency),
      tax: money(line.total_tax, currency),
      channelVariantId: line.variation_id && line.variation_id !== '0' ? line.variation_id : null,
    };
  });
  const placed = fact(
    'OrderPlaced',
    { kind: 'order', channel: CHANNEL, channelId: ctx.channelId, externalId: o.id, orderId, occurredAt: o.date_created_gmt },
    {
      orderId,
      channel: CHANNEL,
      channelId: ctx.channelId,
      channelOrderId: o.id,
      channelOrderNumber: o.number,
      storeId: null,
      locationId: ctx.defaultLocationId,
      customer: {
        customerId: canonicalCustomerId(CHANNEL, ctx.channelId, { email: o.billing?.email, channelCustomerId: o.customer_id > 0 ? String(o.customer_id) : null }),
        channelCustomerId: o.customer_id > 0 ? String(o.customer_id) : null,
        email: o.billing?.email ?? null,
        phone: o.billing?.phone ?? null,
        firstName: o.billing?.first_name ?? null,
        lastName: o.billing?.last_name ?? null,
        loyaltyMemberId: null,
      },
      lines,
      currency,
      taxesIncluded: o.prices_include_tax,
      totals: {
        subtotal: money(sum(o.line_items.map((l) => new Big(l.subtotal).plus(o.prices_include_tax ? l.subtotal_tax : 0))), currency),
        discounts: money(new Big(o.discount_total).plus(o.prices_include_tax ? o.discount_tax : 0), currency),
        tax: money(o.total_tax, currency),
        shipping: money(new Big(o.shipping_total).plus(o.prices_include_tax ? o.shipping_tax : 0), currency),
        grandTotal: money(o.total, currency),
      },
      shippingAddress: toAddress(o.shipping, '/shipping'),
      billingAddress: toAddress(o.billing, '/billing'),
      shippingMethod: o.shipping_lines[0]?.method_title ?? null,
      placedAt: o.date_created_gmt,
      financialStatus: financialStatus(o.status),
    },
  );
  const facts: Fact[] = [placed];
  // A paid order (date_paid set) carries the shop's captured payment. Named by the gateway and its
  // transaction id when WooCommerce has them, so the gateway's own webhook for the same charge
  // (e.g. Stripe) names the same payment.
  if (o.date_paid_gmt != null) {
    const provider = (o.payment_method ?? CHANNEL).toLowerCase().replace(/[^a-z0-9_]+/g, '_');
    const providerPaymentId = o.transaction_id ?? `${ctx.channelId}:order-${o.id}`;
    facts.push(
      fact(
        'PaymentCaptured',
        { kind: 'payment', channel: CHANNEL, channelId: ctx.channelId, externalId: `order-${o.id}`, orderId, occurredAt: o.date_paid_gmt },
        { orderId, paymentId: ids.payment(provider, providerPaymentId), provider, providerPaymentId, amount: money(o.total, currency), method: null, capturedAt: o.date_paid_gmt },
      ),
    );
  }
  return { orderId, externalId: o.id, facts };
}

function mapCancelled(o: z.infer<typeof order>, ctx: ChannelContext): MappedMessage {
  const orderId = ids.order(CHANNEL, ctx.channelId, o.id);
  const cancelledAt = o.date_modified_gmt ?? o.date_created_gmt;
  const cancelled = fact(
    'OrderCancelled',
    { kind: 'cancellation', channel: CHANNEL, channelId: ctx.channelId, externalId: o.id, orderId, occurredAt: cancelledAt },
    { orderId, channel: CHANNEL, channelOrderId: o.id, reason: 'other', reasonDetail: null, restock: true, cancelledAt },
  );
  return { orderId, externalId: o.id, facts: [cancelled] };
}

/** Maps one delivery; `facts` is empty for updates the backbone does not publish. */
export function mapWooCommerce(topic: WooTopic, payload: unknown, ctx: ChannelContext): MappedMessage {
  const parsed = parseWith(order, payload);
  if (topic === 'order.created') return mapPlaced(parsed, ctx);
  if (parsed.status === 'cancelled') return mapCancelled(parsed, ctx);
  return { orderId: ids.order(CHANNEL, ctx.channelId, parsed.id), externalId: parsed.id, facts: [] };
}

/** The site that sent a delivery: X-WC-Webhook-Source, else the origin of the order's self link. */
export function wooSiteId(sourceHeader: string | undefined, payload: unknown): string | null {
  const fromLink = (payload as { _links?: { self?: Array<{ href?: unknown }> } } | null)?._links?.self?.[0]?.href;
  const candidate = sourceHeader || (typeof fromLink === 'string' ? fromLink : undefined);
  if (!candidate) return null;
  try {
    const url = new URL(candidate);
    return `${url.protocol}//${url.host}${sourceHeader ? url.pathname.replace(/\/+$/, '') : ''}`;
  } catch {
    return null;
  }
}
