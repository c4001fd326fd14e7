import type { KnownOrder, ShipmentFacts } from '../src/db/store';
import { resolveLines } from '../src/propagation';

const order: KnownOrder = {
  orderId: 'o1',
  channel: 'shopify',
  channelId: 'shop',
  channelOrderId: '1',
  channelOrderNumber: null,
  storeId: null,
  // the same SKU on two lines (e.g. two prices), and another SKU
  lines: [
    { lineId: 'a', sku: 'TEE', quantity: 2 },
    { lineId: 'b', sku: 'TEE', quantity: 1 },
    { lineId: 'c', sku: 'CAP', quantity: 1 },
  ],
  contact: {},
};

const ship = (lines: ShipmentFacts['lines']): ShipmentFacts => ({
  orderId: 'o1',
  shipmentId: 's',
  source: 'odoo',
  locationId: 'wh',
  lines,
  carrier: null,
  trackingNumber: null,
  trackingUrl: null,
  dispatchedAt: 0,
});

describe('resolveLines', () => {
  test('by SKU, units go to the lines with units left, in order; the order is complete when nothing is left', () => {
    expect(resolveLines(order, ship([{ lineId: null, sku: 'TEE', quantity: 3 }]), new Map())).toEqual({
      lines: [
        { lineId: 'a', sku: 'TEE', quantity: 2 },
        { lineId: 'b', sku: 'TEE', quantity: 1 },
      ],
      completesOrder: false,
    });
    expect(resolveLines(order, ship([{ lineId: null, sku: 'TEE', quantity: 1 }, { lineId: 'c', sku: 'CAP', quantity: 1 }]), new Map([['a', 2]]))).toEqual({
      lines: [
        { lineId: 'b', sku: 'TEE', quantity: 1 },
        { lineId: 'c', sku: 'CAP', quantity: 1 },
      ],
      completesOrder: true,
    });
  });

  test('earlier shipments count: a line already shipped in full refuses one more unit', () => {
    expect(resolveLines(order, ship([{ lineId: 'a', sku: 'TEE', quantity: 1 }]), new Map([['a', 2]]))).toMatchObject({ code: 'over_quantity' });
    expect(resolveLines(order, ship([{ lineId: null, sku: 'TEE', quantity: 4 }]), new Map())).toMatchObject({ code: 'over_quantity' });
  });

  test('a line id that is not on the order, or names another SKU, and an unknown SKU are unknown lines', () => {
    expect(resolveLines(order, ship([{ lineId: 'z', sku: 'TEE', quantity: 1 }]), new Map())).toMatchObject({ code: 'unknown_lines' });
    expect(resolveLines(order, ship([{ lineId: 'c', sku: 'TEE', quantity: 1 }]), new Map())).toMatchObject({ code: 'unknown_lines' });
    expect(resolveLines(order, ship([{ lineId: null, sku: 'SOCK', quantity: 1 }]), new Map())).toMatchObject({ code: 'unknown_lines', reason: expect.stringContaining('SOCK') });
  });

  test('a non-positive quantity is refused', () => {
    expect(resolveLines(order, ship([{ lineId: 'a', sku: 'TEE', quantity: 0 }]), new Map())).toMatchObject({ code: 'invalid_quantity' });
  });
});
