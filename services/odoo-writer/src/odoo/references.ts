import { createHash } from 'node:crypto';
import type { CustomerRef, OrderPlaced } from '@retail-backbone/contracts';
import { XMLID_MODULE, xmlIdName } from '@retail-backbone/odoo-client';

export { XMLID_MODULE, xmlIdName } from '@retail-backbone/odoo-client';

function digest(value: string, length = 16): string {
  return createHash('sha256').update(value).digest('hex').slice(0, length);
}

/** The backbone's reference of an order in its events (OrderSyncedToErp.erpReference): the order id. */
export function orderReference(orderId: string): string {
  return orderId;
}

const CHANNEL_LABELS: Record<string, string> = { shopify: 'Shopify', woocommerce: 'WooCommerce', pos: 'POS' };

/**
 * sale.order client_order_ref ("Customer Reference"): what the customer and the shop staff see
 * in the channel, i.e. Shopify's `name` ("#1001", with the shop's prefix/suffix) or WooCommerce's
 * `number`; the channel's order id when it has no number.
 */
export function customerReference(order: Pick<OrderPlaced, 'channelOrderNumber' | 'channelOrderId'>): string {
  return order.channelOrderNumber || order.channelOrderId;
}

/**
 * sale.order origin ("Source Document"): the channel's own order id, with the channel instance, so
 * it is unique per order (WooCommerce ids repeat across sites) and searchable by the bare id.
 */
export function sourceDocument(order: Pick<OrderPlaced, 'channel' | 'channelId' | 'channelOrderId'>): string {
  const label = CHANNEL_LABELS[order.channel] ?? order.channel;
  return `${label} order ${order.channelOrderId} (${order.channelId})`;
}

/** account.move ref of the credit note of one return. */
export function returnReference(returnId: string): string {
  return `rb-return:${returnId}`;
}

/**
 * res.partner.ref of the customer: the backbone customer id when known, else the channel customer
 * id, else a hash of the e-mail (guests with one address share a partner), else one per order.
 */
export function partnerReference(order: Pick<OrderPlaced, 'orderId' | 'channel' | 'channelId'> & { customer: CustomerRef }): string {
  const c = order.customer;
  if (c.customerId) return `rb:${c.customerId}`;
  if (c.channelCustomerId) return `rb:${order.channel}:${order.channelId}:${c.channelCustomerId}`;
  if (c.email) return `rb:email:${digest(c.email.trim().toLowerCase(), 24)}`;
  return `rb:guest:${order.orderId}`;
}

export function fingerprint(value: unknown): string {
  return digest(JSON.stringify(value), 32);
}

type StoredRow = Record<string, unknown> & { id: number };

/**
 * For tests and tools that inspect Odoo's rows: the sale orders of each backbone order, found by
 * its external id, plus any other sale order with the same (deterministic) origin, so a duplicate
 * created without an external id is counted too. An order not in Odoo maps to [].
 */
export function saleOrdersByOrderId(records: (model: string) => StoredRow[], orderIds: Iterable<string>): Map<string, StoredRow[]> {
  const resIdByName = new Map(
    records('ir.model.data')
      .filter((x) => x.module === XMLID_MODULE && x.model === 'sale.order')
      .map((x) => [String(x.name), Number(x.res_id)]),
  );
  const saleOrders = records('sale.order');
  const byId = new Map(saleOrders.map((so) => [so.id, so]));
  const byOrigin = new Map<string, StoredRow[]>();
  for (const so of saleOrders) byOrigin.set(String(so.origin), [...(byOrigin.get(String(so.origin)) ?? []), so]);
  const result = new Map<string, StoredRow[]>();
  for (const orderId of orderIds) {
    const resId = resIdByName.get(xmlIdName('order', orderId));
    const own = resId === undefined ? undefined : byId.get(resId);
    result.set(orderId, own ? (byOrigin.get(String(own.origin)) ?? [own]) : []);
  }
  return result;
}
