import type { PropagationPayload } from '../propagation';
import { channelFetch, readAnswer } from './http';

export interface WooCommerceSettings {
  /** The site's base URL, e.g. https://shop.example.com. */
  url: string;
  consumerKey: string;
  consumerSecret: string;
  /** Status set once every unit of the order has shipped. */
  completedStatus: string;
  /** Whether the order note is a customer note (WooCommerce e-mails those to the customer). */
  customerNote: boolean;
  timeoutMs: number;
}

/** The Shipment Tracking extension's order meta key: a list of tracking items. */
export const TRACKING_META_KEY = '_wc_shipment_tracking_items';

interface WooOrder {
  id: number;
  status: string;
  meta_data: Array<{ id: number; key: string; value: unknown }>;
}

interface TrackingItem {
  tracking_provider: string;
  custom_tracking_provider: string;
  custom_tracking_link: string;
  tracking_number: string;
  date_shipped: string;
  tracking_id: string;
}

/**
 * WooCommerce's REST API (wc/v3, API key pair over HTTP Basic): the shipment's tracking is added
 * as a Shipment Tracking item in the order's meta, the order is set to the completed status once
 * everything has shipped, and an order note records the dispatch. Each step is looked up before
 * it is made (a tracking item and a note carry the shipment's id), so a repeated attempt after a
 * crash or an ambiguous failure adds nothing twice.
 */
export class WooCommerceFulfilments {
  constructor(private readonly settings: WooCommerceSettings) {}

  async fulfil(p: PropagationPayload, signal: AbortSignal): Promise<{ reference: string; reused: boolean }> {
    const base = `${this.settings.url.replace(/\/$/, '')}/wp-json/wc/v3/orders/${encodeURIComponent(p.channelOrderId)}`;
    const order = await this.call<WooOrder>(base, 'GET', undefined, signal);
    const trackingId = `rb-${p.shipmentKey}`;
    const items = (order.meta_data.find((m) => m.key === TRACKING_META_KEY)?.value ?? []) as TrackingItem[];
    const known = Array.isArray(items) && items.some((i) => i.tracking_id === trackingId);
    const update: Record<string, unknown> = {};
    if (!known) {
      const item: TrackingItem = {
        tracking_provider: '',
        custom_tracking_provider: p.carrier ?? '',
        custom_tracking_link: p.trackingUrl ?? '',
        tracking_number: p.trackingNumber ?? '',
        date_shipped: String(Math.floor(p.dispatchedAt / 1000)),
        tracking_id: trackingId,
      };
      update.meta_data = [{ key: TRACKING_META_KEY, value: [...(Array.isArray(items) ? items : []), item] }];
    }
    if (p.completesOrder && order.status !== this.settings.completedStatus) update.status = this.settings.completedStatus;
    if (Object.keys(update).length > 0) await this.call(base, 'PUT', update, signal);

    const marker = `[shipment ${p.shipmentId}]`;
    const notes = await this.call<Array<{ note: string }>>(`${base}/notes`, 'GET', undefined, signal);
    if (!notes.some((n) => n.note.includes(marker))) {
      const what = p.lines.map((l) => `${l.quantity} × ${l.sku}`).join(', ');
      const tracking = p.trackingNumber ? ` ${p.carrier ?? 'Carrier'} tracking ${p.trackingNumber}${p.trackingUrl ? ` (${p.trackingUrl})` : ''}.` : '';
      await this.call(`${base}/notes`, 'POST', { note: `Shipped ${what}.${tracking} ${marker}`, customer_note: this.settings.customerNote }, signal);
    }
    return { reference: trackingId, reused: known };
  }

  private async call<T>(url: string, method: string, body: unknown, signal: AbortSignal): Promise<T> {
    const auth = Buffer.from(`${this.settings.consumerKey}:${this.settings.consumerSecret}`).toString('base64');
    const response = await channelFetch(
      url,
      { method, headers: { Authorization: `Basic ${auth}`, Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined },
      { timeoutMs: this.settings.timeoutMs, signal },
    );
    return readAnswer<T>(response, `WooCommerce ${method}`);
  }
}
