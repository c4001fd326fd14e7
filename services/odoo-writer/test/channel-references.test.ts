import { uniqueName } from '@retail-backbone/devstack';
import { orderPlaced, startHarness, waitFor, type Harness } from './harness';

/*
 * sale.order in Odoo (addons/sale/models/sale_order.py, 18.0 line): client_order_ref is the
 * "Customer Reference", origin the "Source Document"; name_search matches `name` only
 * (_rec_names_search), so the channel's references are found with search_read on those fields.
 */
describe('channel references on sale orders', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ protocol: 'json2', config: { batchWindowMs: 20 } });
    await h.start();
  });
  afterAll(async () => {
    await h?.close();
  });

  async function searchRead(domain: unknown[]): Promise<Array<{ id: number; client_order_ref: string; origin: string }>> {
    const res = await fetch(`${h.sim.url}/json/2/sale.order/search_read`, {
      method: 'POST',
      headers: { authorization: 'bearer test-key', 'content-type': 'application/json' },
      body: JSON.stringify({ domain, fields: ['client_order_ref', 'origin'] }),
    });
    return (await res.json()) as Array<{ id: number; client_order_ref: string; origin: string }>;
  }

  it.each([
    ['shopify', 'demo.myshopify.com', '5678901234567', `#${Math.floor(Math.random() * 1e6)}-EU`],
    ['woocommerce', 'https://shop.example.com', String(Math.floor(Math.random() * 1e6)), String(Math.floor(Math.random() * 1e6))],
  ])('finds a %s order by the number the channel shows and by the channel order id', async (channel, channelId, channelOrderId, number) => {
    const orderId = `${channel}:${channelId}:${uniqueName('o')}`;
    const event = { ...orderPlaced(orderId), channel, channelId, channelOrderId, channelOrderNumber: number };
    await h.publish('OrderPlaced', event);
    await waitFor(async () => (await h.outbox('OrderSyncedToErp')).some((e) => e.orderId === orderId));

    const byNumber = await searchRead([['client_order_ref', 'ilike', number]]);
    expect(byNumber).toHaveLength(1);
    expect(byNumber[0]!.client_order_ref).toBe(number);
    const byChannelId = await searchRead([['origin', 'ilike', channelOrderId]]);
    expect(byChannelId.map((o) => o.id)).toEqual([byNumber[0]!.id]);
    expect(byChannelId[0]!.origin).toContain(channelId);
    // the backbone's id stays in the external id
    const xmlIds = h.sim.records('ir.model.data').filter((x) => x.model === 'sale.order' && x.res_id === byNumber[0]!.id);
    expect(xmlIds).toHaveLength(1);
  });
});
