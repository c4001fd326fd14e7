/**
 * Shopify webhooks (orders/create, orders/cancelled, refunds/create) → canonical facts.
 * Amounts are taken in the shop currency (`currency`, `shop_money`).
 */
import type { Address } from '@retail-backbone/contracts';
import Big from 'big.js';
import { z } from 'zod';
import { fact, type ChannelContext, type Fact, type MappedMessage } from '../facts';
import { canonicalCustomerId } from '../customers';
import { ids } from '../ids';
import { decimal, money, sum } from '../money';
import { parseWith, PayloadInvalidError, SKU_MISSING } from '../validation';
import {
  channelIdField,
  countryCodeField,
  currencyField,
  instantField,
  nonNegativeDecimal,
  optionalText,
  quantityField,
} from './fields';

const CHANNEL = 'shopify';

const moneySet = z.object({ shop_money: z.object({ amount: nonNegativeDecimal, currency_code: currencyField }) });

const address = z.object({
  name: optionalText,
  company: optionalText,
  address1: z.string().min(1, 'is required'),
  address2: optionalText,
  city: z.string().min(1, 'is required'),
  province: optionalText,
  province_code: optionalText,
  zip: optionalText,
  country_code: countryCodeField,
  phone: optionalText,
});

const lineItem = z.object({
  id: channelIdField,
  sku: optionalText,
  name: z.string().min(1),
  quantity: quantityField,
  price: nonNegativeDecimal,
  total_discount: nonNegativeDecimal.optional(),
  tax_lines: z.array(z.object({ price: nonNegativeDecimal })).default([]),
  variant_id: channelIdField.nullish(),
  product_id: channelIdField.nullish(),
});

const order = z.object({
  id: channelIdField,
  name: optionalText,
  currency: currencyField,
  created_at: instantField,
  taxes_included: z.boolean().default(false),
  financial_status: optionalText,
  processed_at: instantField.nullish(),
  payment_gateway_names: z.array(z.string()).default([]),
  total_outstanding: nonNegativeDecimal.nullish(),
  email: optionalText,
  phone: optionalText,
  customer: z
    .object({ id: channelIdField, email: optionalText, phone: optionalText, first_name: optionalText, last_name: optionalText })
    .nullish(),
  location_id: channelIdField.nullish(),
  line_items: z.array(lineItem).min(1, 'an order needs at least one line item'),
  total_line_items_price: nonNegativeDecimal,
  total_discounts: nonNegativeDecimal,
  total_tax: nonNegativeDecimal,
  total_price: nonNegativeDecimal,
  total_shipping_price_set: moneySet.nullish(),
  shipping_lines: z.array(z.object({ title: optionalText, price: nonNegativeDecimal })).default([]),
  shipping_address: address.nullish(),
  billing_address: address.nullish(),
});

const cancellation = z.object({
  id: channelIdField,
  cancelled_at: instantField,
  cancel_reason: optionalText,
});

const refundLine = z.object({
  id: channelIdField,
  line_item_id: channelIdField,
  quantity: quantityField,
  location_id: channelIdField.nullish(),
  restock_type: optionalText,
  subtotal_set: moneySet,
  total_tax_set: moneySet,
  line_item: z.object({ sku: optionalText, variant_id: channelIdField.nullish(), product_id: channelIdField.nullish() }),
});

const refund = z.object({
  id: channelIdField,
  order_id: channelIdField,
  created_at: instantField,
  processed_at: instantField.nullish(),
  return: z.unknown().optional(),
  refund_line_items: z.array(refundLine).default([]),
  refund_shipping_lines: z.array(z.object({ subtotal_amount_set: moneySet.optional() })).default([]),
  total_duties_set: moneySet.nullish(),
  transactions: z
    .array(
      z.object({
        id: channelIdField,
        kind: z.string(),
        status: optionalText,
        gateway: optionalText,
        amount: nonNegativeDecimal,
        currency: z.union([currencyField, z.null()]).optional(),
        parent_id: channelIdField.nullish(),
        processed_at: instantField.nullish(),
        created_at: instantField.nullish(),
      }),
    )
    .default([]),
});

export const shopifySchemas = { 'orders/create': order, 'orders/cancelled': cancellation, 'refunds/create': refund };
export type ShopifyTopic = keyof typeof shopifySchemas;
export const SHOPIFY_TOPICS = Object.keys(shopifySchemas) as ShopifyTopic[];

const FINANCIAL_STATUSES = new Set(['pending', 'authorized', 'paid', 'partially_paid', 'partially_refunded', 'refunded', 'voided']);
const CANCEL_REASONS = new Set(['customer', 'fraud', 'inventory', 'declined', 'staff', 'other']);
/** Restock types of items that physically came back (Shopify's 'cancel' is unfulfilled items, not a return). */
const RETURNED_RESTOCK_TYPES = new Set(['return', 'legacy_restock']);

/** Channel SKU, or a stable stand-in naming the channel's variant/product when the shop left it empty. */
export function skuOrStandIn(channel: string, sku: string | null, variantId?: string | null, productId?: string | null): string | null {
  if (sku) return sku;
  const id = variantId && variantId !== '0' ? variantId : productId && productId !== '0' ? productId : null;
  return id ? `${channel}:${id}` : null;
}

function toAddress(input: z.infer<typeof address> | null | undefined): Address | null {
  if (!input) return null;
  return {
    name: input.name,
    company: input.company,
    line1: input.address1,
    line2: input.address2,
    city: input.city,
    region: input.province_code ?? input.province,
    postalCode: input.zip,
    countryCode: input.country_code,
    phone: input.phone,
  };
}

function mapOrder(o: z.infer<typeof order>, ctx: ChannelContext): MappedMessage {
  const orderId = ids.order(CHANNEL, ctx.channelId, o.id);
  const currency = o.currency;
  const lines = o.line_items.map((line, index) => {
    const sku = skuOrStandIn(CHANNEL, line.sku, line.variant_id, line.product_id);
    if (!sku) throw new PayloadInvalidError([{ pointer: `/line_items/${index}/sku`, detail: SKU_MISSING }]);
    return {
      lineId: line.id,
      sku,
      name: line.name,
      quantity: line.quantity,
      unitPrice: money(line.price, currency),
      discount: money(line.total_discount ?? '0', currency),
      tax: money(sum(line.tax_lines.map((t) => t.price)), currency),
      channelVariantId: line.variant_id ?? null,
    };
  });
  const shipping = o.total_shipping_price_set?.shop_money.amount ?? decimal(sum(o.shipping_lines.map((s) => s.price)));
  const placed = fact(
    'OrderPlaced',
    { kind: 'order', channel: CHANNEL, channelId: ctx.channelId, externalId: o.id, orderId, occurredAt: o.created_at },
    {
      orderId,
      channel: CHANNEL,
      channelId: ctx.channelId,
      channelOrderId: o.id,
      channelOrderNumber: o.name,
      storeId: null,
      locationId: o.location_id ?? ctx.defaultLocationId,
      customer: {
        customerId: canonicalCustomerId(CHANNEL, ctx.channelId, { email: o.email ?? o.customer?.email, channelCustomerId: o.customer?.id }),
        channelCustomerId: o.customer?.id ?? null,
        email: o.email ?? o.customer?.email ?? null,
        phone: o.phone ?? o.customer?.phone ?? null,
        firstName: o.customer?.first_name ?? null,
        lastName: o.customer?.last_name ?? null,
        loyaltyMemberId: null,
      },
      lines,
      currency,
      taxesIncluded: o.taxes_included,
      totals: {
        subtotal: money(o.total_line_items_price, currency),
        discounts: money(o.total_discounts, currency),
        tax: money(o.total_tax, currency),
        shipping: money(shipping, currency),
        grandTotal: money(o.total_price, currency),
      },
      shippingAddress: toAddress(o.shipping_address),
      billingAddress: toAddress(o.billing_address),
      shippingMethod: o.shipping_lines[0]?.title ?? null,
      placedAt: o.created_at,
      financialStatus: o.financial_status && FINANCIAL_STATUSES.has(o.financial_status) ? o.financial_status : 'pending',
    },
  );
  return { orderId, externalId: o.id, facts: [placed, ...capturedPayment(o, orderId, ctx)] };
}

/**
 * The shop's own captured payment of a paid order (financial_status 'paid', or 'partially_paid'
 * with what is still outstanding subtracted), named after the order: Shopify's order webhook does
 * not carry its transactions.
 */
function capturedPayment(o: z.infer<typeof order>, orderId: string, ctx: ChannelContext): Fact[] {
  const paid = o.financial_status === 'paid' ? new Big(o.total_price) : o.financial_status === 'partially_paid' && o.total_outstanding != null ? new Big(o.total_price).minus(o.total_outstanding) : null;
  if (!paid || paid.lte(0)) return [];
  const provider = (o.payment_gateway_names[0] ?? CHANNEL).toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  const providerPaymentId = `${ctx.channelId}:order-${o.id}`;
  const capturedAt = o.processed_at ?? o.created_at;
  return [
    fact(
      'PaymentCaptured',
      { kind: 'payment', channel: CHANNEL, channelId: ctx.channelId, externalId: `order-${o.id}`, orderId, occurredAt: capturedAt },
      { orderId, paymentId: ids.payment(provider, providerPaymentId), provider, providerPaymentId, amount: money(paid, o.currency), method: null, capturedAt },
    ),
  ];
}

function mapCancellation(c: z.infer<typeof cancellation>, ctx: ChannelContext): MappedMessage {
  const orderId = ids.order(CHANNEL, ctx.channelId, c.id);
  const cancelled = fact(
    'OrderCancelled',
    { kind: 'cancellation', channel: CHANNEL, channelId: ctx.channelId, externalId: c.id, orderId, occurredAt: c.cancelled_at },
    {
      orderId,
      channel: CHANNEL,
      channelOrderId: c.id,
      reason: c.cancel_reason && CANCEL_REASONS.has(c.cancel_reason) ? c.cancel_reason : 'other',
      reasonDetail: null,
      restock: true,
      cancelledAt: c.cancelled_at,
    },
  );
  return { orderId, externalId: c.id, facts: [cancelled] };
}

function refundCurrency(r: z.infer<typeof refund>): string | undefined {
  return (
    r.refund_line_items[0]?.subtotal_set.shop_money.currency_code ??
    r.total_duties_set?.shop_money.currency_code ??
    r.transactions.find((t) => t.currency)?.currency ??
    undefined
  );
}

function mapRefund(r: z.infer<typeof refund>, ctx: ChannelContext): MappedMessage {
  const orderId = ids.order(CHANNEL, ctx.channelId, r.order_id);
  const currency = refundCurrency(r);
  if (!currency) throw new PayloadInvalidError([{ pointer: '/transactions', detail: 'no currency in refund lines, duties or transactions' }]);
  const receivedAt = r.processed_at ?? r.created_at;
  const facts: Fact[] = [];
  const returned = r.refund_line_items
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => r.return != null || RETURNED_RESTOCK_TYPES.has(line.restock_type ?? ''));
  let returnId: string | null = null;
  if (returned.length > 0) {
    returnId = ids.return(CHANNEL, ctx.channelId, r.id);
    const lines = returned.map(({ line, index }) => {
      const sku = skuOrStandIn(CHANNEL, line.line_item.sku, line.line_item.variant_id, line.line_item.product_id);
      if (!sku) throw new PayloadInvalidError([{ pointer: `/refund_line_items/${index}/line_item/sku`, detail: SKU_MISSING }]);
      return {
        lineId: line.line_item_id,
        sku,
        quantity: line.quantity,
        restock: RETURNED_RESTOCK_TYPES.has(line.restock_type ?? ''),
        reason: null,
        refundAmount: money(sum([line.subtotal_set.shop_money.amount, line.total_tax_set.shop_money.amount]), currency),
      };
    });
    const shippingRefund = sum(r.refund_shipping_lines.map((s) => s.subtotal_amount_set?.shop_money.amount ?? '0'));
    facts.push(
      fact(
        'ReturnReceived',
        { kind: 'return', channel: CHANNEL, channelId: ctx.channelId, externalId: r.id, orderId, occurredAt: receivedAt },
        {
          orderId,
          returnId,
          channel: CHANNEL,
          channelReturnId: r.id,
          locationId: returned.find(({ line }) => line.location_id)?.line.location_id ?? ctx.defaultLocationId,
          lines,
          refundTotal: money(sum([...lines.map((l) => l.refundAmount.amount), shippingRefund]), currency),
          receivedAt,
        },
      ),
    );
  }
  for (const transaction of r.transactions) {
    if (transaction.kind !== 'refund' || transaction.status !== 'success') continue;
    const provider = (transaction.gateway ?? 'shopify').toLowerCase().replace(/[^a-z0-9_]+/g, '_');
    const refundedAt = transaction.processed_at ?? transaction.created_at ?? receivedAt;
    facts.push(
      fact(
        'PaymentRefunded',
        { kind: 'refund', channel: CHANNEL, channelId: ctx.channelId, externalId: transaction.id, orderId, occurredAt: refundedAt },
        {
          orderId,
          refundId: ids.refund(provider, transaction.id),
          paymentId: transaction.parent_id ? ids.payment(provider, transaction.parent_id) : null,
          provider,
          providerRefundId: transaction.id,
          amount: money(transaction.amount, transaction.currency ?? currency),
          reason: null,
          returnId,
          refundedAt,
        },
      ),
    );
  }
  return { orderId, externalId: r.id, facts };
}

/** Validates and maps one Shopify webhook body; throws PayloadInvalidError listing every bad field. */
export function mapShopify(topic: ShopifyTopic, payload: unknown, ctx: ChannelContext): MappedMessage {
  switch (topic) {
    case 'orders/create':
      return mapOrder(parseWith(order, payload), ctx);
    case 'orders/cancelled':
      return mapCancellation(parseWith(cancellation, payload), ctx);
    case 'refunds/create':
      return mapRefund(parseWith(refund, payload), ctx);
  }
}
