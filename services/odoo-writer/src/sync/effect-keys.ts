/** Effect kinds of the writer (outside_effects.kind). */
export const PLACE_KIND = 'odoo.sale_order.place';
export const FOLLOW_UP_KIND = 'odoo.order.follow_up';
export const PAYMENT_KIND = 'odoo.payment.register';

/** Idempotency key of a captured payment or a refund: one per backbone payment / refund id. */
export function paymentKey(eventType: 'PaymentCaptured' | 'PaymentRefunded', value: Record<string, unknown>): string {
  const orderId = String(value.orderId);
  return eventType === 'PaymentCaptured' ? `odoo-writer:payment:${orderId}:${String(value.paymentId)}` : `odoo-writer:refund:${orderId}:${String(value.refundId)}`;
}

export type FollowUpType = 'OrderCancelled' | 'ReturnReceived' | 'ShipmentDispatched';

/** Idempotency key of an order's placement: one per order, whatever event (or replay) asks for it. */
export function placeKey(orderId: string): string {
  return `odoo-writer:place:${orderId}`;
}

/** Idempotency key of a follow-up: one per cancellation, return id or shipment id of an order. */
export function followUpKey(eventType: FollowUpType, value: Record<string, unknown>): string {
  const orderId = String(value.orderId);
  switch (eventType) {
    case 'OrderCancelled':
      return `odoo-writer:cancel:${orderId}`;
    case 'ReturnReceived':
      return `odoo-writer:return:${orderId}:${String(value.returnId)}`;
    default:
      return `odoo-writer:ship:${orderId}:${String(value.shipmentId)}`;
  }
}
