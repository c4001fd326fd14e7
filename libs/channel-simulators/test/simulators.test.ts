import { createHmac } from 'node:crypto';
import { HOOK_EVENT_ID_HEADER, HOOK_SIGNATURE_HEADER, startChannelSimulators, type ChannelSimulators } from '../src';

describe('channel simulators', () => {
  let sims: ChannelSimulators;

  beforeAll(async () => {
    sims = await startChannelSimulators({ shopify: { bucketSize: 30, restoreRatePerSecond: 1 } });
  });

  afterAll(async () => {
    await sims?.close();
  });

  const gql = (query: string, variables: Record<string, unknown> = {}, token = sims.shopify.accessToken) =>
    fetch(sims.shopify.endpoint(), { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Shopify-Access-Token': token }, body: JSON.stringify({ query, variables }) });

  test('Shopify: wrong token 401; a field outside the schema is refused; fulfillmentCreate over the remaining quantity answers userErrors; the cost bucket throttles', async () => {
    sims.shopify.seedOrder({ id: '1001', lineItems: [{ id: '11', sku: 'A', quantity: 1 }] });
    expect((await gql('{ order(id: "gid://shopify/Order/1001") { id } }', {}, 'wrong')).status).toBe(401);

    const invalid = (await (await gql('{ order(id: "gid://shopify/Order/1001") { id secretField } }')).json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(invalid.errors[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const read = (await (await gql('query($id: ID!) { order(id: $id) { fulfillmentOrders(first: 5) { nodes { id lineItems(first: 5) { nodes { id remainingQuantity } } } } } }', { id: 'gid://shopify/Order/1001' })).json()) as {
      data: { order: { fulfillmentOrders: { nodes: Array<{ id: string; lineItems: { nodes: Array<{ id: string; remainingQuantity: number }> } }> } } };
      extensions: { cost: { throttleStatus: { maximumAvailable: number } } };
    };
    expect(read.extensions.cost.throttleStatus.maximumAvailable).toBe(30);
    const fo = read.data.order.fulfillmentOrders.nodes[0]!;
    expect(fo.lineItems.nodes[0]!.remainingQuantity).toBe(1);
    const create = (await (
      await gql('mutation($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) { fulfillment { id } userErrors { field message } } }', {
        f: { lineItemsByFulfillmentOrder: [{ fulfillmentOrderId: fo.id, fulfillmentOrderLineItems: [{ id: fo.lineItems.nodes[0]!.id, quantity: 2 }] }] },
      })
    ).json()) as { data: { fulfillmentCreate: { fulfillment: null; userErrors: Array<{ message: string }> } }; errors?: Array<{ extensions: { code: string } }> };
    // 12 + 10 points spent of 30: the mutation was still paid for, the next query is not.
    expect(create.data.fulfillmentCreate.fulfillment).toBeNull();
    expect(create.data.fulfillmentCreate.userErrors[0]!.message).toMatch(/quantity/);
    const throttled = (await (await gql('{ order(id: "gid://shopify/Order/1001") { id } }')).json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(throttled.errors[0]!.extensions.code).toBe('THROTTLED');
    expect(sims.shopify.orders.get('1001')!.fulfillments).toHaveLength(0);
  });

  test('WooCommerce: Basic auth, 404 for an unknown order, meta and status updates', async () => {
    sims.woocommerce.seedOrder({ id: 77, line_items: [{ id: 1, sku: 'B', quantity: 1 }] });
    const auth = `Basic ${Buffer.from(`${sims.woocommerce.consumerKey}:${sims.woocommerce.consumerSecret}`).toString('base64')}`;
    const url = `${sims.woocommerce.url}/wp-json/wc/v3/orders`;
    expect((await fetch(`${url}/77`)).status).toBe(401);
    const missing = await fetch(`${url}/78`, { headers: { Authorization: auth } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('woocommerce_rest_shop_order_invalid_id');
    const put = await fetch(`${url}/77`, {
      method: 'PUT',
      headers: { Authorization: auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ status: 'completed', meta_data: [{ key: '_wc_shipment_tracking_items', value: [{ tracking_number: 'T1' }] }] }),
    });
    expect(put.status).toBe(200);
    expect(sims.woocommerce.orders.get(77)!.status).toBe('completed');
    expect(sims.woocommerce.trackingItems(77)).toEqual([{ tracking_number: 'T1' }]);
    const bad = await fetch(`${url}/77`, { method: 'PUT', headers: { Authorization: auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ status: 'shipped-ish' }) });
    expect(bad.status).toBe(400);
  });

  test('customer hook: a wrong or stale signature is refused, a repeated event id is acknowledged once', async () => {
    const body = JSON.stringify({ orderId: 'o1' });
    const sign = (t: number, secret = sims.hook.secret) => `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
    const post = (signature: string) => fetch(sims.hook.url, { method: 'POST', headers: { 'Content-Type': 'application/json', [HOOK_SIGNATURE_HEADER]: signature, [HOOK_EVENT_ID_HEADER]: 'e1' }, body });
    const now = Math.floor(Date.now() / 1000);
    expect((await post(sign(now, 'other'))).status).toBe(401);
    expect((await post(sign(now - 3600))).status).toBe(401);
    expect((await post(sign(now))).status).toBe(202);
    expect((await post(sign(now))).status).toBe(200);
    expect(sims.hook.deliveries).toHaveLength(1);
    expect(sims.hook.duplicates).toBe(1);
    expect(sims.hook.refused).toBe(2);
  });

  test('outages: 503 with Retry-After, refused connections, and back', async () => {
    const url = `${sims.pos.url}/api/stores/s1/notifications`;
    await sims.pos.server.startOutage('503', 7);
    const down = await fetch(url, { headers: { Authorization: `Bearer ${sims.pos.token}` } });
    expect(down.status).toBe(503);
    expect(down.headers.get('Retry-After')).toBe('7');
    await sims.pos.server.startOutage('refused');
    await expect(fetch(url)).rejects.toThrow();
    await sims.pos.server.endOutage();
    expect((await fetch(url, { headers: { Authorization: `Bearer ${sims.pos.token}` } })).status).toBe(200);
  });
});
