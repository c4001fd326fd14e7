import { setTimeout as sleep } from 'node:timers/promises';
import type { PropagationPayload } from '../propagation';
import { ChannelCallError, channelFetch, readAnswer } from './http';

export interface ShopifySettings {
  /** The shop's base URL, e.g. https://example.myshopify.com. */
  adminUrl: string;
  apiVersion: string;
  accessToken: string;
  notifyCustomer: boolean;
  timeoutMs: number;
}

interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

interface GraphQLAnswer<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
  extensions?: { cost?: { requestedQueryCost: number; actualQueryCost: number | null; throttleStatus: ThrottleStatus } };
}

interface OrderData {
  order: null | {
    id: string;
    fulfillmentOrders: { nodes: Array<{ id: string; status: string; lineItems: { nodes: Array<{ id: string; remainingQuantity: number; lineItem: { id: string } }> } }> };
    fulfillments: Array<{ id: string; trackingInfo: Array<{ number: string | null }>; fulfillmentLineItems: { nodes: Array<{ quantity: number | null; lineItem: { id: string } }> } }>;
  };
}

interface CreateData {
  fulfillmentCreate: null | { fulfillment: { id: string } | null; userErrors: Array<{ field: string[] | null; message: string }> };
}

const ORDER_QUERY = `query ShipmentPropagatorOrder($id: ID!) {
  order(id: $id) {
    id
    fulfillmentOrders(first: 20) { nodes { id status lineItems(first: 100) { nodes { id remainingQuantity lineItem { id } } } } }
    fulfillments(first: 100) { id trackingInfo(first: 10) { number } fulfillmentLineItems(first: 100) { nodes { quantity lineItem { id } } } }
  }
}`;

const CREATE_MUTATION = `mutation ShipmentPropagatorFulfil($fulfillment: FulfillmentInput!, $message: String) {
  fulfillmentCreate(fulfillment: $fulfillment, message: $message) {
    fulfillment { id status }
    userErrors { field message }
  }
}`;

const lineGid = (id: string) => (id.startsWith('gid://') ? id : `gid://shopify/LineItem/${id}`);
const gidTail = (gid: string) => gid.slice(gid.lastIndexOf('/') + 1);

/**
 * Shopify's current way of fulfilling: the order's fulfillment orders are read, the shipment's
 * lines mapped onto their line items, and one `fulfillmentCreate` sent with the tracking info.
 * fulfillmentCreate takes no idempotency key, so the same read first looks for a fulfillment
 * this shipment already created (its exact lines, and its tracking number; without one, only
 * after an ambiguous attempt). The cost budget is kept from each answer's
 * throttleStatus: a call waits until the bucket holds its cost, and a THROTTLED answer is
 * waited out by the restore rate.
 */
export class ShopifyFulfilments {
  private throttle: (ThrottleStatus & { at: number }) | undefined;

  constructor(private readonly settings: ShopifySettings) {}

  async fulfil(p: PropagationPayload, lookFirst: boolean, signal: AbortSignal): Promise<{ reference: string; reused: boolean }> {
    const { order } = await this.graphql<OrderData>(ORDER_QUERY, { id: `gid://shopify/Order/${p.channelOrderId}` }, 12, signal);
    if (!order) throw new ChannelCallError(`Shopify has no order ${p.channelOrderId}`, 'failed', 200, 'order not found');
    const existing = this.findExisting(order.fulfillments, p, lookFirst);
    if (existing) return { reference: gidTail(existing), reused: true };

    const groups = new Map<string, Array<{ id: string; quantity: number }>>();
    for (const line of p.lines) {
      let left = line.quantity;
      for (const fo of order.fulfillmentOrders.nodes) {
        if (fo.status === 'CLOSED' || left === 0) continue;
        for (const item of fo.lineItems.nodes) {
          if (item.lineItem.id !== lineGid(line.lineId) || item.remainingQuantity <= 0 || left === 0) continue;
          const take = Math.min(left, item.remainingQuantity);
          groups.set(fo.id, [...(groups.get(fo.id) ?? []), { id: item.id, quantity: take }]);
          left -= take;
        }
      }
      if (left > 0) throw new ChannelCallError(`Shopify order ${p.channelOrderId}: line ${line.lineId} has ${line.quantity - left} of ${line.quantity} units left to fulfil`, 'failed', 200, 'over quantity');
    }
    const tracking = p.trackingNumber || p.trackingUrl || p.carrier ? { company: p.carrier ?? undefined, number: p.trackingNumber ?? undefined, url: p.trackingUrl ?? undefined } : undefined;
    const fulfillment = {
      lineItemsByFulfillmentOrder: [...groups].map(([fulfillmentOrderId, fulfillmentOrderLineItems]) => ({ fulfillmentOrderId, fulfillmentOrderLineItems })),
      notifyCustomer: this.settings.notifyCustomer,
      ...(tracking ? { trackingInfo: tracking } : {}),
    };
    const { fulfillmentCreate } = await this.graphql<CreateData>(CREATE_MUTATION, { fulfillment, message: `shipment ${p.shipmentId}` }, 10, signal);
    if (!fulfillmentCreate) throw new ChannelCallError('fulfillmentCreate answered nothing', 'ambiguous');
    if (fulfillmentCreate.userErrors.length > 0 || !fulfillmentCreate.fulfillment) {
      const detail = fulfillmentCreate.userErrors.map((e) => `${(e.field ?? []).join('.')}: ${e.message}`).join('; ');
      throw new ChannelCallError(`fulfillmentCreate refused: ${detail}`, 'failed', 200, detail);
    }
    return { reference: gidTail(fulfillmentCreate.fulfillment.id), reused: false };
  }

  /**
   * The fulfillment an earlier attempt of this shipment created: the same lines and quantities,
   * and the shipment's tracking number (without one, only after an attempt that may have
   * reached Shopify, a fulfillment without tracking). Both must match, so a second parcel that
   * reuses a tracking number is not mistaken for the first.
   */
  private findExisting(fulfillments: NonNullable<OrderData['order']>['fulfillments'], p: PropagationPayload, lookFirst: boolean): string | undefined {
    if (!p.trackingNumber && !lookFirst) return undefined;
    const want = p.lines
      .map((l) => `${lineGid(l.lineId)}=${l.quantity}`)
      .sort()
      .join(',');
    return fulfillments.find((f) => {
      const tracked = p.trackingNumber ? f.trackingInfo.some((t) => t.number === p.trackingNumber) : f.trackingInfo.length === 0;
      const lines = f.fulfillmentLineItems.nodes
        .map((n) => `${n.lineItem.id}=${n.quantity}`)
        .sort()
        .join(',');
      return tracked && lines === want;
    })?.id;
  }

  /**
   * Waits until the bucket (as last reported, restored since) holds `cost`, then takes the cost
   * out of this process's picture of it at once, so concurrent attempts queue behind each other
   * instead of all spending the same points (the next answer corrects the picture).
   */
  private async budget(cost: number, signal: AbortSignal): Promise<void> {
    for (;;) {
      const t = this.throttle;
      if (!t || signal.aborted) return;
      const now = Date.now();
      const available = Math.min(t.maximumAvailable, t.currentlyAvailable + ((now - t.at) / 1000) * t.restoreRate);
      if (available >= cost) {
        this.throttle = { ...t, currentlyAvailable: available - cost, at: now };
        return;
      }
      await sleep(Math.ceil(((cost - available) / t.restoreRate) * 1000) + 5, undefined, { signal }).catch(() => undefined);
    }
  }

  private async graphql<T>(query: string, variables: Record<string, unknown>, expectedCost: number, signal: AbortSignal): Promise<T> {
    const url = `${this.settings.adminUrl.replace(/\/$/, '')}/admin/api/${this.settings.apiVersion}/graphql.json`;
    for (let throttled = 0; ; throttled++) {
      await this.budget(expectedCost, signal);
      const response = await channelFetch(
        url,
        { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Shopify-Access-Token': this.settings.accessToken }, body: JSON.stringify({ query, variables }) },
        { timeoutMs: this.settings.timeoutMs, signal },
      );
      const answer = await readAnswer<GraphQLAnswer<T>>(response, 'Shopify GraphQL');
      const cost = answer.extensions?.cost;
      if (cost) this.throttle = { ...cost.throttleStatus, at: Date.now() };
      const errors = answer.errors ?? [];
      if (errors.some((e) => e.extensions?.code === 'THROTTLED')) {
        // Not executed: wait for the bucket to refill to the requested cost, then send again.
        if (throttled >= 5 || signal.aborted) throw new ChannelCallError('Shopify throttled the call', 'retry', 200, 'THROTTLED');
        const status = cost?.throttleStatus;
        const wait = status ? ((cost.requestedQueryCost - status.currentlyAvailable) / status.restoreRate) * 1000 : 1000;
        await sleep(Math.max(50, Math.ceil(wait)), undefined, { signal }).catch(() => undefined);
        continue;
      }
      if (errors.length > 0) {
        const detail = errors.map((e) => e.message).join('; ').slice(0, 300);
        // A query the API refuses (validation) is this client's bug or an API change: not retried blindly.
        throw new ChannelCallError(`Shopify GraphQL errors: ${detail}`, errors.some((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR') ? 'ambiguous' : 'failed', 200, detail);
      }
      if (!answer.data) throw new ChannelCallError('Shopify GraphQL answered no data', 'ambiguous');
      return answer.data;
    }
  }
}
