/**
 * WooCommerce order webhook bodies (REST v3 order shape). Like real deliveries (PHP json_encode)
 * slashes are escaped, so signatures must be computed over the exact text.
 */
import { DEMO_CURRENCY } from './catalog';
import { priceLines, sumCents, wooGmt, type OrderLineInput } from './lines';
import { fromCents } from './money';

export const DEMO_WOO_SITE = 'https://shop.retail-demo.example';

export interface WooOrderInput {
  orderId: number;
  lines: readonly OrderLineInput[];
  currency?: string;
  createdAt?: Date;
  /** Flat shipping fee, decimal string; default 5.00. */
  shipping?: string;
}

export interface WooCancelInput extends WooOrderInput {
  cancelledAt?: Date;
}

/** WooCommerce ids are MySQL unsigned ints; keep them plain JSON numbers. */
function checkOrderId(id: number): number {
  if (!Number.isSafeInteger(id) || id <= 0) throw new RangeError(`WooCommerce orderId must be a positive integer, got ${id}`);
  return id;
}

function orderResource(input: WooOrderInput, status: string, modified: Date): Record<string, unknown> {
  const id = checkOrderId(input.orderId);
  const currency = input.currency ?? DEMO_CURRENCY;
  const created = input.createdAt ?? new Date();
  const priced = priceLines(input.lines);
  const itemsCents = sumCents(priced.map((l) => l.totalCents));
  const shippingCents = Math.round(Number(input.shipping ?? '5.00') * 100);
  const person = { first_name: 'Kim', last_name: 'Demo', company: '', address_1: 'Schönhauser Allee 36', address_2: '', city: 'Berlin', state: 'BE', postcode: '10435', country: 'DE' };
  return {
    id,
    parent_id: 0,
    number: String(id),
    order_key: `wc_order_${id.toString(16).padStart(13, '0')}`,
    created_via: 'checkout',
    version: '9.8.5',
    status,
    currency,
    date_created: wooGmt(created),
    date_created_gmt: wooGmt(created),
    date_modified: wooGmt(modified),
    date_modified_gmt: wooGmt(modified),
    discount_total: '0.00',
    discount_tax: '0.00',
    shipping_total: fromCents(shippingCents),
    shipping_tax: '0.00',
    cart_tax: '0.00',
    total: fromCents(itemsCents + shippingCents),
    total_tax: '0.00',
    prices_include_tax: true,
    customer_id: 1000 + (id % 50),
    customer_ip_address: '',
    customer_user_agent: '',
    customer_note: '',
    billing: { ...person, email: `woo-customer-${id % 50}@example.com`, phone: '' },
    shipping: person,
    payment_method: 'stripe',
    payment_method_title: 'Credit card',
    transaction_id: '',
    date_paid: status === 'processing' ? wooGmt(created) : null,
    date_paid_gmt: status === 'processing' ? wooGmt(created) : null,
    date_completed: null,
    date_completed_gmt: null,
    cart_hash: '',
    meta_data: [],
    line_items: priced.map((line, index) => ({
      id: id * 100 + index + 1,
      name: line.item.name,
      product_id: 100 + line.catalogIndex,
      variation_id: 0,
      quantity: line.quantity,
      tax_class: '',
      subtotal: fromCents(line.totalCents),
      subtotal_tax: '0.00',
      total: fromCents(line.totalCents),
      total_tax: '0.00',
      taxes: [],
      meta_data: [],
      sku: line.item.sku,
      price: line.unitCents / 100,
    })),
    tax_lines: [],
    shipping_lines: [{ id: id * 100 + 99, method_title: 'Flat Rate', method_id: 'flat_rate', total: fromCents(shippingCents), total_tax: '0.00', taxes: [], meta_data: [] }],
    fee_lines: [],
    coupon_lines: [],
    refunds: [],
    _links: {
      self: [{ href: `${DEMO_WOO_SITE}/wp-json/wc/v3/orders/${id}` }],
      collection: [{ href: `${DEMO_WOO_SITE}/wp-json/wc/v3/orders` }],
    },
  };
}

function phpJson(value: unknown): string {
  return JSON.stringify(value).replace(/\//g, '\\/');
}

/** Raw JSON text of an order.created delivery (status processing: paid by card). */
export function wooOrderCreated(input: WooOrderInput): string {
  return phpJson(orderResource(input, 'processing', input.createdAt ?? new Date()));
}

/** Raw JSON text of an order.updated delivery that moves the order to cancelled. */
export function wooOrderCancelled(input: WooCancelInput): string {
  return phpJson(orderResource(input, 'cancelled', input.cancelledAt ?? new Date()));
}
