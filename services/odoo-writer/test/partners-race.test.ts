import { uniqueName } from '@retail-backbone/devstack';
import { startOdooWriter, type OdooWriter } from '../src/service';
import { FAST_CONSUMER, avroSerde, orderPlaced, silentLogger, startHarness, waitFor, type Harness } from './harness';

describe('odoo-writer replicas racing on new customers', () => {
  let h: Harness;
  const replicas: OdooWriter[] = [];

  beforeAll(async () => {
    h = await startHarness({ protocol: 'json2', simulator: { latencyMs: 40 }, partitions: 6 });
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await h?.close();
  });

  it('creates one partner per new customer, and rewrites none, when two writer replicas place their orders at once', async () => {
    for (let i = 0; i < 2; i++) {
      replicas.push(
        await startOdooWriter(h.config, { logger: silentLogger(), registry: h.registry, serde: avroSerde(), kafka: h.kafka, consumerConfig: FAST_CONSUMER }),
      );
    }
    // Both replicas hold partitions before anything is published, so each customer's two orders
    // (different order ids, hence keys and partitions) can reach both at once.
    await waitFor(async () => {
      const assigned = await Promise.all(replicas.map((r) => r.runner.kafkaConsumer.describeGroup()));
      return assigned.every((g) => g.state === 'Stable' && g.members.length === 2);
    }, 60_000);
    const customers = Array.from({ length: 100 }, () => uniqueName('cust'));
    const orders = customers.flatMap((customerId) =>
      [1, 2].map((n) => {
        const orderId = `shopify:race.example:${customerId}-${n}`;
        const value = orderPlaced(orderId);
        return { ...value, customer: { ...value.customer!, customerId } };
      }),
    );
    await Promise.all(orders.map((o) => h.publish('OrderPlaced', o)));
    await waitFor(() => orders.every((o) => h.saleOrders(o.orderId).some((s) => s.state === 'sale')), 120_000, 200);

    const partners = h.sim.records('res.partner');
    for (const customerId of customers) expect(partners.filter((p) => p.ref === `rb:${customerId}`)).toHaveLength(1);
    for (const o of orders) expect(h.saleOrders(o.orderId)).toHaveLength(1);
    // The replica that waited for a ref's lock finds the partner the other one recorded, rather
    // than searching Odoo and rewriting it (the customers' details never changed).
    expect(h.sim.stats(600).calls['res.partner/write'] ?? 0).toBe(0);
  }, 180_000);
});
