import type { PropagationPayload } from '../propagation';
import { channelFetch, readAnswer } from './http';

export interface PosSettings {
  url: string;
  token: string;
  timeoutMs: number;
}

/**
 * The POS estate's store-notification endpoint (ship-from-store and click-and-collect orders):
 * one notification per shipment under its idempotency key, looked up first after an attempt
 * that may have reached the store system.
 */
export class PosStoreNotifications {
  constructor(private readonly settings: PosSettings) {}

  async notify(p: PropagationPayload, idempotencyKey: string, lookFirst: boolean, signal: AbortSignal): Promise<{ reference: string; reused: boolean }> {
    const store = encodeURIComponent(p.storeId ?? p.locationId);
    const url = `${this.settings.url.replace(/\/$/, '')}/api/stores/${store}/notifications`;
    const headers = { Authorization: `Bearer ${this.settings.token}`, Accept: 'application/json' };
    if (lookFirst) {
      const found = await readAnswer<{ notifications: Array<{ id: string }> }>(
        await channelFetch(`${url}?idempotencyKey=${encodeURIComponent(idempotencyKey)}`, { headers }, { timeoutMs: this.settings.timeoutMs, signal }),
        'POS lookup',
      );
      if (found.notifications[0]) return { reference: found.notifications[0].id, reused: true };
    }
    const body = {
      type: 'shipment.dispatched',
      orderId: p.orderId,
      channelOrderId: p.channelOrderId,
      shipmentId: p.shipmentId,
      lines: p.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.quantity })),
      carrier: p.carrier,
      trackingNumber: p.trackingNumber,
      trackingUrl: p.trackingUrl,
      dispatchedAt: new Date(p.dispatchedAt).toISOString(),
    };
    const response = await channelFetch(
      url,
      { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey }, body: JSON.stringify(body) },
      { timeoutMs: this.settings.timeoutMs, signal },
    );
    const answer = await readAnswer<{ id: string; duplicate?: boolean }>(response, 'POS notification');
    return { reference: answer.id, reused: answer.duplicate === true };
  }
}
