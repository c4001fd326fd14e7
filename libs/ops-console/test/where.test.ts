/**
 * `pnpm where` against a running platform: a Shopify order found by its number shows its events,
 * the consumers' inbox outcomes, the Odoo sale order and picking, its dead letter and trace id.
 */
import { runWhere, startDemoPlatform, type DemoPlatform } from './platform';

jest.setTimeout(600_000);

let demo: DemoPlatform;

beforeAll(async () => {
  demo = await startDemoPlatform();
});

afterAll(async () => {
  await demo?.stop();
});

it('prints the timeline of an order found by its Shopify number', async () => {
  const { code, stdout, stderr } = await runWhere(demo.platform.env, [demo.order.name]);
  console.log(stdout);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(stdout).toContain(`order ${demo.order.orderId}   (found by channel order number)`);
  expect(stdout).toContain(`order ${demo.order.shopifyId} number ${demo.order.name}`);
  expect(stdout).toMatch(/OrderPlaced +by order-ingest +retail\.orders\.v1 \[\d+\] @\d+/);
  expect(stdout).toContain('consumed by odoo-writer');
  expect(stdout).toContain('consumed by inventory-projector');
  expect(stdout).toMatch(/OrderSyncedToErp +by odoo-writer/);
  expect(stdout).toMatch(new RegExp(`sale order +${demo.order.odooName} \\(id \\d+\\)`));
  expect(stdout).toMatch(/picking +\S+ \(id \d+\)/);
  expect(stdout).toMatch(/trace +[0-9a-f]{32}/);
  expect(stdout).toMatch(/dead letters \([1-9]\d*\)[\s\S]*retail\.orders\.v1\.dlq\.odoo-writer \[\d+\] @\d+ \(group odoo-writer/);
});

it('finds the same order by its backbone id, Shopify id and Odoo sale order name', async () => {
  for (const [id, kind] of [
    [demo.order.orderId, 'order id'],
    [demo.order.shopifyId, 'channel order id'],
    [demo.order.odooName, 'odoo sale order'],
  ] as const) {
    const { code, stdout } = await runWhere(demo.platform.env, [id, '--no-kafka']);
    expect(code).toBe(0);
    expect(stdout).toContain(`order ${demo.order.orderId}   (found by ${kind})`);
  }
});

it('exits 1 with a message for an id nothing knows', async () => {
  const { code, stdout, stderr } = await runWhere(demo.platform.env, ['no-such-order-4711']);
  expect(code).toBe(1);
  expect(stdout).toBe('');
  expect(stderr).toContain("no order, channel order, correlation id or Odoo sale order is known as 'no-such-order-4711'");
});
