import type { ChannelSimulators } from '@retail-backbone/channel-simulators';
import { shopifyOrderCreated, type ShopifyOrderInput } from './shopify';
import { wooOrderCreated, type WooOrderInput } from './woocommerce';

/**
 * Gives the channel simulators the order a webhook announces (its id and line item ids), as the
 * real shop holds it once placed, so that shipment-propagator can fulfil it there. Built from the
 * same payload the webhook sends; Shopify's big ids are read from their GraphQL ids (strings).
 */
export function seedShopifyOrder(channels: ChannelSimulators, input: ShopifyOrderInput): void {
  const payload = JSON.parse(shopifyOrderCreated(input)) as { line_items: Array<{ admin_graphql_api_id: string; sku: string; quantity: number }> };
  channels.shopify.seedOrder({
    id: String(input.orderId),
    lineItems: payload.line_items.map((l) => ({ id: l.admin_graphql_api_id.slice(l.admin_graphql_api_id.lastIndexOf('/') + 1), sku: l.sku, quantity: l.quantity })),
  });
}

export function seedWooOrder(channels: ChannelSimulators, input: WooOrderInput): void {
  const payload = JSON.parse(wooOrderCreated(input)) as { id: number; line_items: Array<{ id: number; sku: string; quantity: number }> };
  channels.woocommerce.seedOrder({ id: payload.id, line_items: payload.line_items.map((l) => ({ id: l.id, sku: l.sku, quantity: l.quantity })) });
}
