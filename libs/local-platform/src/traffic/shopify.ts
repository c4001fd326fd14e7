/**
 * Shopify orders/create and orders/cancelled webhook bodies, shaped like the published samples
 * (REST order resource, shop_money/presentment_money sets, 64-bit ids as bare JSON numbers).
 */
import { DEMO_CURRENCY } from './catalog';
import { jsonWithBigInts, toBigId } from './json-text';
import { priceLines, isoWithOffset, sumCents, type OrderLineInput } from './lines';
import { fromCents } from './money';

export const DEMO_SHOP_DOMAIN = 'retail-demo.myshopify.com';
export const SHOPIFY_API_VERSION = '2026-07';

export interface ShopifyOrderInput {
  /** Shopify order id; ids above 2^53 as bigint or digit string. */
  orderId: bigint | number | string;
  lines: readonly OrderLineInput[];
  currency?: string;
  createdAt?: Date;
  /** Flat shipping fee, decimal string; default 4.90. */
  shipping?: string;
  customerEmail?: string;
}

export interface ShopifyCancelInput extends ShopifyOrderInput {
  cancelledAt?: Date;
  reason?: 'customer' | 'fraud' | 'inventory' | 'declined' | 'staff' | 'other';
}

// Id ranges of the same magnitude as Shopify's (18 digits, above 2^53).
const LINE_ITEM_BASE = 487_817_672_276_000_000n;
const PRODUCT_BASE = 788_032_119_674_292_000n;
const VARIANT_BASE = 498_744_621_000_000_000n;
const CUSTOMER_BASE = 115_310_627_314_723_000n;

function moneySet(amount: string, currency: string) {
  return { shop_money: { amount, currency_code: currency }, presentment_money: { amount, currency_code: currency } };
}

function address(name: [string, string]) {
  return {
    first_name: name[0],
    last_name: name[1],
    name: `${name[0]} ${name[1]}`,
    company: null,
    address1: 'Torstraße 101',
    address2: null,
    city: 'Berlin',
    province: null,
    province_code: null,
    zip: '10119',
    country: 'Germany',
    country_code: 'DE',
    phone: null,
    latitude: null,
    longitude: null,
  };
}

/** The Shopify customer id the demo gives an order id (one of 997 customers). */
export function shopifyCustomerId(orderId: bigint | string): bigint {
  return CUSTOMER_BASE + (BigInt(orderId) % 997n);
}

function orderResource(input: ShopifyOrderInput, extra: Record<string, unknown>): Record<string, unknown> {
  const id = toBigId(input.orderId, 'orderId');
  const currency = input.currency ?? DEMO_CURRENCY;
  const created = isoWithOffset(input.createdAt ?? new Date());
  const priced = priceLines(input.lines);
  const itemsCents = sumCents(priced.map((l) => l.totalCents));
  const shippingCents = Math.round(Number(input.shipping ?? '4.90') * 100);
  const number = Number(id % 100_000n);
  const customerId = shopifyCustomerId(id);
  const email = input.customerEmail ?? `customer-${customerId % 997n}@example.com`;
  const line_items = priced.map((line, index) => {
    const catalogIndex = BigInt(line.catalogIndex);
    return {
      id: LINE_ITEM_BASE + (id % 1_000_000n) * 100n + BigInt(index),
      admin_graphql_api_id: `gid://shopify/LineItem/${LINE_ITEM_BASE + (id % 1_000_000n) * 100n + BigInt(index)}`,
      current_quantity: line.quantity,
      fulfillable_quantity: line.quantity,
      fulfillment_service: 'manual',
      fulfillment_status: null,
      gift_card: false,
      grams: 250,
      name: line.item.name,
      price: fromCents(line.unitCents),
      price_set: moneySet(fromCents(line.unitCents), currency),
      product_exists: true,
      product_id: PRODUCT_BASE + catalogIndex,
      properties: [],
      quantity: line.quantity,
      requires_shipping: true,
      sku: line.item.sku,
      taxable: true,
      title: line.item.name,
      total_discount: '0.00',
      total_discount_set: moneySet('0.00', currency),
      variant_id: VARIANT_BASE + catalogIndex,
      variant_inventory_management: 'shopify',
      variant_title: null,
      vendor: 'Retail Demo',
      tax_lines: [],
      duties: [],
      discount_allocations: [],
    };
  });
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    app_id: null,
    browser_ip: null,
    buyer_accepts_marketing: false,
    cancel_reason: null,
    cancelled_at: null,
    closed_at: null,
    confirmed: true,
    contact_email: email,
    created_at: created,
    currency,
    current_total_price: fromCents(itemsCents + shippingCents),
    customer_locale: 'de',
    discount_codes: [],
    email,
    financial_status: 'paid',
    fulfillment_status: null,
    location_id: null,
    name: `#${number}`,
    note: null,
    note_attributes: [],
    number,
    order_number: number + 1000,
    payment_gateway_names: ['shopify_payments'],
    phone: null,
    presentment_currency: currency,
    processed_at: created,
    source_name: 'web',
    subtotal_price: fromCents(itemsCents),
    subtotal_price_set: moneySet(fromCents(itemsCents), currency),
    tags: '',
    tax_lines: [],
    taxes_included: true,
    test: true,
    total_discounts: '0.00',
    total_discounts_set: moneySet('0.00', currency),
    total_line_items_price: fromCents(itemsCents),
    total_line_items_price_set: moneySet(fromCents(itemsCents), currency),
    total_price: fromCents(itemsCents + shippingCents),
    total_price_set: moneySet(fromCents(itemsCents + shippingCents), currency),
    total_shipping_price_set: moneySet(fromCents(shippingCents), currency),
    total_tax: '0.00',
    total_tax_set: moneySet('0.00', currency),
    total_weight: 250 * priced.reduce((n, l) => n + l.quantity, 0),
    updated_at: created,
    user_id: null,
    billing_address: address(['Alex', 'Demo']),
    customer: {
      id: customerId,
      email,
      first_name: 'Alex',
      last_name: 'Demo',
      state: 'enabled',
      verified_email: true,
      currency,
      admin_graphql_api_id: `gid://shopify/Customer/${customerId}`,
    },
    fulfillments: [],
    line_items,
    refunds: [],
    shipping_address: address(['Alex', 'Demo']),
    shipping_lines: [
      {
        id: LINE_ITEM_BASE + 99_999_999n - (id % 1_000_000n),
        code: 'Standard',
        price: fromCents(shippingCents),
        price_set: moneySet(fromCents(shippingCents), currency),
        source: 'shopify',
        title: 'Standard Shipping',
        tax_lines: [],
        discount_allocations: [],
      },
    ],
    ...extra,
  };
}

/** Raw JSON text of an orders/create webhook. */
export function shopifyOrderCreated(input: ShopifyOrderInput): string {
  return jsonWithBigInts(orderResource(input, {}));
}

/** Raw JSON text of an orders/cancelled webhook: the order resource with the cancellation set. */
export function shopifyOrderCancelled(input: ShopifyCancelInput): string {
  const cancelledAt = isoWithOffset(input.cancelledAt ?? new Date());
  return jsonWithBigInts(
    orderResource(input, { cancelled_at: cancelledAt, cancel_reason: input.reason ?? 'customer', financial_status: 'voided', updated_at: cancelledAt }),
  );
}
