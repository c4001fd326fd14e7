/**
 * Realistic sample events for tests across the repo. Every builder returns a value that passes
 * validateEvent; pass `overrides` (shallow, per top-level field) to vary it.
 */
import { buildEnvelope } from '../envelope';
import type { EventPayloads, Money } from '../generated/types';
import type { EventType } from '../topics';

export interface SampleContext {
  correlationId?: string;
  causationId?: string | null;
  region?: string;
  /** Epoch milliseconds used for the envelope and the business timestamps. */
  at?: number;
}

const SAMPLE_TIME = Date.UTC(2026, 10, 20, 9, 30, 0);

function money(amount: string, currency = 'EUR'): Money {
  return { amount, currency };
}

type Builders = { [T in EventType]: (at: number) => Omit<EventPayloads[T], 'envelope'> };

const PRODUCERS: Record<EventType, string> = {
  OrderPlaced: 'order-ingest',
  OrderCancelled: 'order-ingest',
  ReturnReceived: 'order-ingest',
  PaymentCaptured: 'order-ingest',
  PaymentRefunded: 'order-ingest',
  StockMovementRecorded: 'wms',
  StockSnapshotTaken: 'wms',
  InventoryAvailabilityChanged: 'inventory-projector',
  StockReservationRejected: 'inventory-projector',
  StockReserved: 'inventory-projector',
  OrderSyncedToErp: 'odoo-writer',
  ErpSyncFailed: 'odoo-writer',
  ShipmentDispatched: 'wms',
  ShipmentPropagated: 'shipment-propagator',
  LoyaltyPointsAccrued: 'loyalty-sync',
  LoyaltyPointsReversed: 'loyalty-sync',
  LoyaltyPointsRedeemed: 'loyalty-sync',
  LoyaltyRedemptionRestored: 'loyalty-sync',
  LoyaltyActivityRejected: 'loyalty-sync',
  DiscrepancyDetected: 'reconciler',
  DiscrepancyResolved: 'reconciler',
  IngestRejected: 'order-ingest',
  OperatorActionRecorded: 'ops-console',
};

export const SAMPLE_ORDER_ID = 'shopify:acme-eu.myshopify.com:820982911946154508';

const BUILDERS: Builders = {
  OrderPlaced: (at) => ({
    orderId: SAMPLE_ORDER_ID,
    channel: 'shopify',
    channelId: 'acme-eu.myshopify.com',
    channelOrderId: '820982911946154508',
    channelOrderNumber: '#1001',
    storeId: null,
    locationId: 'wh-berlin',
    customer: {
      customerId: 'cust-0192a1b2',
      channelCustomerId: '115310627314723954',
      email: 'jane.doe@example.com',
      phone: '+49 30 1234567',
      firstName: 'Jane',
      lastName: 'Doe',
      loyaltyMemberId: 'LM-778812',
    },
    lines: [
      {
        lineId: '487817672276298554',
        sku: 'TSHIRT-BLK-M',
        name: 'Organic T-shirt black M',
        quantity: 2,
        unitPrice: money('24.90'),
        discount: money('4.98'),
        tax: money('7.57'),
        channelVariantId: '39072856',
      },
      {
        lineId: '487817672276298555',
        sku: 'SOCKS-3PK',
        name: 'Socks, pack of 3',
        quantity: 1,
        unitPrice: money('12.00'),
        discount: money('0.00'),
        tax: money('2.28'),
        channelVariantId: null,
      },
    ],
    currency: 'EUR',
    taxesIncluded: false,
    totals: {
      subtotal: money('61.80'),
      discounts: money('4.98'),
      tax: money('9.85'),
      shipping: money('4.95'),
      grandTotal: money('71.62'),
    },
    shippingAddress: {
      name: 'Jane Doe',
      company: null,
      line1: 'Invalidenstrasse 117',
      line2: null,
      city: 'Berlin',
      region: 'DE-BE',
      postalCode: '10115',
      countryCode: 'DE',
      phone: '+49 30 1234567',
    },
    billingAddress: null,
    shippingMethod: 'DHL Standard',
    placedAt: at,
    financialStatus: 'paid',
  }),
  OrderCancelled: (at) => ({
    orderId: SAMPLE_ORDER_ID,
    channel: 'shopify',
    channelOrderId: '820982911946154508',
    reason: 'customer',
    reasonDetail: null,
    restock: true,
    cancelledAt: at,
  }),
  ReturnReceived: (at) => ({
    orderId: SAMPLE_ORDER_ID,
    returnId: 'shopify:acme-eu.myshopify.com:refund:509562969',
    channel: 'shopify',
    channelReturnId: '509562969',
    locationId: 'wh-berlin',
    lines: [
      { lineId: '487817672276298554', sku: 'TSHIRT-BLK-M', quantity: 1, restock: true, reason: 'size', refundAmount: money('22.91') },
    ],
    refundTotal: money('22.91'),
    receivedAt: at,
  }),
  PaymentCaptured: (at) => ({
    orderId: SAMPLE_ORDER_ID,
    paymentId: 'stripe:pi_3MtwBwLkdIwHu7ix28a3tqPa',
    provider: 'stripe',
    providerPaymentId: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
    amount: money('71.62'),
    method: 'card',
    capturedAt: at,
  }),
  PaymentRefunded: (at) => ({
    orderId: SAMPLE_ORDER_ID,
    refundId: 'stripe:re_1Nispe2eZvKYlo2Cd31jOCgZ',
    paymentId: 'stripe:pi_3MtwBwLkdIwHu7ix28a3tqPa',
    provider: 'stripe',
    providerRefundId: 're_1Nispe2eZvKYlo2Cd31jOCgZ',
    amount: money('22.91'),
    reason: 'requested_by_customer',
    returnId: 'shopify:acme-eu.myshopify.com:refund:509562969',
    refundedAt: at,
  }),
  StockMovementRecorded: (at) => ({
    movementId: 'wms-berlin:GR-2026-004211:3',
    sku: 'TSHIRT-BLK-M',
    locationId: 'wh-berlin',
    movementType: 'receipt',
    quantityDelta: 48,
    observedAt: at,
    source: 'wms',
    sourceReference: 'GR-2026-004211',
    reason: null,
  }),
  StockSnapshotTaken: (at) => ({
    snapshotId: 'wms-berlin:count:2026-11-20',
    sku: 'TSHIRT-BLK-M',
    locationId: 'wh-berlin',
    quantity: 131,
    asOf: at,
    source: 'wms',
  }),
  InventoryAvailabilityChanged: () => ({
    sku: 'TSHIRT-BLK-M',
    locationId: 'wh-berlin',
    onHand: 131,
    reserved: 2,
    available: 129,
    version: 5012,
    cause: 'reservation',
    causeReference: SAMPLE_ORDER_ID,
  }),
  StockReservationRejected: () => ({
    orderId: SAMPLE_ORDER_ID,
    locationId: 'wh-berlin',
    shortages: [{ sku: 'SOCKS-3PK', requested: 1, available: 0 }],
    reason: 'insufficient_stock',
  }),
  StockReserved: () => ({
    orderId: SAMPLE_ORDER_ID,
    locationId: 'wh-berlin',
  }),
  OrderSyncedToErp: (at) => ({
    orderId: SAMPLE_ORDER_ID,
    operation: 'create',
    erpOrderId: '4211',
    erpOrderName: 'S04211',
    erpPartnerId: '977',
    erpReference: SAMPLE_ORDER_ID,
    attempts: 1,
    stockPath: null,
    syncedAt: at,
  }),
  ErpSyncFailed: (at) => ({
    orderId: SAMPLE_ORDER_ID,
    operation: 'create',
    errorCode: 'product_not_found',
    errorMessage: "no product.product with default_code 'SOCKS-3PK'",
    retryable: false,
    attempts: 1,
    failedAt: at,
  }),
  ShipmentDispatched: (at) => ({
    orderId: SAMPLE_ORDER_ID,
    shipmentId: 'wms-berlin:OUT-2026-118734',
    source: 'wms',
    locationId: 'wh-berlin',
    lines: [
      { lineId: '487817672276298554', sku: 'TSHIRT-BLK-M', quantity: 2 },
      { lineId: '487817672276298555', sku: 'SOCKS-3PK', quantity: 1 },
    ],
    carrier: 'DHL',
    trackingNumber: '00340434161094042557',
    trackingUrl: 'https://www.dhl.de/de/privatkunden/dhl-sendungsverfolgung.html?piececode=00340434161094042557',
    erpPickingId: null,
    dispatchedAt: at,
  }),
  ShipmentPropagated: (at) => ({
    orderId: SAMPLE_ORDER_ID,
    shipmentId: 'wms-berlin:OUT-2026-118734',
    target: 'channel',
    channel: 'shopify',
    targetReference: '255858046',
    propagatedAt: at,
    outcome: 'propagated',
    failureCode: null,
    failureReason: null,
    targetName: 'example-shop.myshopify.com',
  }),
  LoyaltyPointsAccrued: (at) => ({
    customerId: 'cust-0192a1b2',
    loyaltyMemberId: 'LM-778812',
    orderId: SAMPLE_ORDER_ID,
    points: 66,
    basis: money('66.67'),
    transactionId: 'ltx-5521',
    idempotencyKey: `accrue:${SAMPLE_ORDER_ID}`,
    accruedAt: at,
  }),
  LoyaltyPointsReversed: (at) => ({
    customerId: 'cust-0192a1b2',
    loyaltyMemberId: 'LM-778812',
    orderId: SAMPLE_ORDER_ID,
    points: 22,
    reason: 'return',
    originalTransactionId: 'ltx-5521',
    transactionId: 'ltx-5590',
    idempotencyKey: 'reverse:shopify:acme-eu.myshopify.com:refund:509562969',
    reversedAt: at,
  }),
  LoyaltyPointsRedeemed: (at) => ({
    customerId: 'cust-0192a1b2',
    loyaltyMemberId: 'LM-778812',
    orderId: SAMPLE_ORDER_ID,
    paymentId: 'pos_terminal:estate-1:sale-77:t2',
    points: 500,
    value: money('5.00'),
    transactionId: 'ltx-5601',
    idempotencyKey: 'loyalty:redeem:pos_terminal:estate-1:sale-77:t2',
    redeemedAt: at,
  }),
  LoyaltyRedemptionRestored: (at) => ({
    customerId: 'cust-0192a1b2',
    loyaltyMemberId: 'LM-778812',
    orderId: SAMPLE_ORDER_ID,
    paymentId: 'pos_terminal:estate-1:sale-77:t2',
    points: 500,
    originalTransactionId: 'ltx-5601',
    transactionId: 'ltx-5644',
    idempotencyKey: 'loyalty:restore:pos_terminal:estate-1:sale-77:t2',
    restoredAt: at,
  }),
  LoyaltyActivityRejected: (at) => ({
    customerId: `guest:${SAMPLE_ORDER_ID}`,
    loyaltyMemberId: null,
    orderId: SAMPLE_ORDER_ID,
    activity: 'accrual',
    reason: 'no-customer',
    points: null,
    detail: 'guest order: points are credited if the customer is identified within 30 days',
    reference: null,
    rejectedAt: at,
  }),
  DiscrepancyDetected: (at) => ({
    checkId: 'order_in_erp:2026-11-20T09:00Z',
    discrepancyId: `order_in_erp:${SAMPLE_ORDER_ID}`,
    checkType: 'order_in_erp',
    subjectType: 'order',
    subjectId: SAMPLE_ORDER_ID,
    severity: 'critical',
    expected: '1 sale.order',
    actual: '0 sale.order',
    detail: 'order accepted at ingest has no sale.order in Odoo after 15 minutes',
    detectedAt: at,
  }),
  DiscrepancyResolved: (at) => ({
    checkId: 'order_in_erp:2026-11-20T10:00Z',
    discrepancyId: `order_in_erp:${SAMPLE_ORDER_ID}`,
    resolution: 'replayed',
    detail: 'replayed OrderPlaced to odoo-writer',
    resolvedAt: at,
  }),
  IngestRejected: (at) => ({
    rejectionId: '0193a0f0-7c1e-7d2a-9b1c-3f4e5a6b7c8d',
    channel: 'woocommerce',
    channelId: 'https://shop.example.com',
    endpoint: 'POST /webhooks/woocommerce/order-created',
    externalId: '727',
    httpStatus: 422,
    reasonCode: 'unsupported_currency',
    errors: [{ path: 'currency', message: "'XYZ' is not an ISO-4217 currency code" }],
    contentType: 'application/json',
    payload: Buffer.from('{"id":727,"currency":"XYZ"}'),
    payloadTruncated: false,
    payloadSize: 27,
    payloadRef: 'order-ingest:rejections/0193a0f0-7c1e-7d2a-9b1c-3f4e5a6b7c8d',
    receivedAt: at,
  }),
  OperatorActionRecorded: (at) => ({
    actionId: '0193a1c2-7f00-7000-8000-00000000a001',
    operator: 'jane.ops@example.com',
    action: 'dead_letters.replay',
    target: 'retail.orders.v1.dlq.odoo-writer/0/12',
    outcome: 'succeeded',
    detail: 'replayed 1 of 1 scanned',
    requestedAt: at - 1_500,
    completedAt: at,
  }),
};

/** A valid sample event of the given type. */
export function sampleEvent<T extends EventType>(
  eventType: T,
  overrides: Partial<EventPayloads[T]> = {},
  context: SampleContext = {},
): EventPayloads[T] {
  const at = context.at ?? SAMPLE_TIME;
  const envelope = buildEnvelope(eventType, {
    producer: PRODUCERS[eventType],
    correlationId: context.correlationId ?? '0193a0ee-1111-7000-8000-000000000001',
    causationId: context.causationId ?? null,
    region: context.region ?? 'eu-west',
    occurredAt: at,
  });
  const body = BUILDERS[eventType](at);
  return { envelope, ...body, ...overrides } as EventPayloads[T];
}
