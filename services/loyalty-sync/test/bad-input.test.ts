import { uniqueName } from '@retail-backbone/devstack';
import { eventually } from '@retail-backbone/local-platform';
import { eur, order, startHarness, type Harness } from './harness';

describe('loyalty-sync: bad input ends in a visible outcome', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    await h.start();
  });

  afterAll(async () => {
    await h?.close();
  });

  const rejections = async (orderId: string) => (await h.outbox('LoyaltyActivityRejected')).filter((e) => e.orderId === orderId);

  it('an order without any customer: LoyaltyActivityRejected no-customer and its metric, and the partition goes on', async () => {
    const guest = order(`shopify:acme-eu.myshopify.com:${uniqueName('o')}`, 'shopify', 'acme-eu.myshopify.com', {}, [{ sku: 'MUG', quantity: 1, unitPrice: '10.00' }]);
    await h.publish('OrderPlaced', guest);
    const memberId = `LM-${uniqueName('m')}`;
    h.sim.control.enroll({ memberId });
    const next = order(guest.orderId.replace(/[^:]+$/, uniqueName('o')), 'shopify', 'acme-eu.myshopify.com', { loyaltyMemberId: memberId }, [{ sku: 'MUG', quantity: 1, unitPrice: '10.00' }]);
    await h.publish('OrderPlaced', next);
    const [rejected] = await eventually('rejection', () => rejections(guest.orderId), (r) => r.length === 1, { timeoutMs: 30_000 });
    expect(rejected).toMatchObject({ customerId: `guest:${guest.orderId}`, activity: 'accrual', reason: 'no-customer', loyaltyMemberId: null });
    await eventually('the next order credited', () => h.sim.balance(memberId), (b) => b === 10, { timeoutMs: 30_000 });
    expect(await h.metric('loyalty_rejections_total', { activity: 'accrual', reason: 'no-customer' })).toBeGreaterThanOrEqual(1);
  });

  it('an unknown member: the platform refusal is LoyaltyActivityRejected unknown-member, nothing retried for ever', async () => {
    const ref = uniqueName('nobody');
    const o = order(`shopify:acme-eu.myshopify.com:${uniqueName('o')}`, 'shopify', 'acme-eu.myshopify.com', { channelCustomerId: ref }, [{ sku: 'MUG', quantity: 1, unitPrice: '10.00' }]);
    await h.publish('OrderPlaced', o);
    const [rejected] = await eventually('rejection', () => rejections(o.orderId), (r) => r.length === 1, { timeoutMs: 30_000 });
    expect(rejected).toMatchObject({ customerId: `shopify:acme-eu.myshopify.com:${ref}`, activity: 'accrual', reason: 'unknown-member', points: 10 });
    const { rows } = await h.service!.pool.query(`SELECT state FROM loyalty_sync.outside_effects WHERE effect_key = $1`, [`loyalty:accrue:${o.orderId}`]);
    expect(rows).toEqual([{ state: 'done' }]);
    // A return of that order asks for nothing: nothing was credited.
    await h.publish('OrderCancelled', { orderId: o.orderId, channel: 'shopify', channelOrderId: o.channelOrderId });
    await eventually('cancellation consumed', async () => (await h.service!.pool.query(`SELECT cancelled FROM loyalty_sync.loyalty_orders WHERE order_id = $1`, [o.orderId])).rows[0]?.cancelled, (c) => c === true, { timeoutMs: 30_000 });
    expect((await h.service!.pool.query(`SELECT count(*)::int AS n FROM loyalty_sync.outside_effects WHERE aggregate_key = $1`, [`shopify:acme-eu.myshopify.com:${ref}`])).rows[0].n).toBe(1);
    expect(await h.metric('loyalty_rejections_total', { reason: 'unknown-member' })).toBeGreaterThanOrEqual(1);
  });

  it('a refund larger than the order: reversal capped at what the order earned, LoyaltyActivityRejected refund-exceeds-order', async () => {
    const memberId = `LM-${uniqueName('m')}`;
    h.sim.control.enroll({ memberId });
    const keep = order(`pos:estate-1:${uniqueName('s')}`, 'pos', 'estate-1', { loyaltyMemberId: memberId }, [{ sku: 'COAT', quantity: 1, unitPrice: '50.00' }]);
    const o = order(`pos:estate-1:${uniqueName('s')}`, 'pos', 'estate-1', { loyaltyMemberId: memberId }, [{ sku: 'MUG', quantity: 2, unitPrice: '10.00' }]);
    await h.publish('OrderPlaced', keep);
    await h.publish('OrderPlaced', o);
    await eventually('accruals', () => h.sim.balance(memberId), (b) => b === 70, { timeoutMs: 30_000 });
    await h.publish('PaymentRefunded', { orderId: o.orderId, refundId: `refund:${uniqueName('f')}`, returnId: null, amount: eur('35.00') });
    const [rejected] = await eventually('rejection', () => rejections(o.orderId), (r) => r.length === 1, { timeoutMs: 30_000 });
    expect(rejected).toMatchObject({ activity: 'reversal', reason: 'refund-exceeds-order' });
    await eventually('capped reversal', () => h.sim.balance(memberId), (b) => b === 50, { timeoutMs: 30_000 });
    const reversals = (await h.outbox('LoyaltyPointsReversed')).filter((e) => e.orderId === o.orderId);
    expect(reversals.map((r) => r.points)).toEqual([20]);
  });

  it('a redemption beyond the balance: the platform refuses to go below zero, LoyaltyActivityRejected insufficient-points, the member goes on', async () => {
    const memberId = `LM-${uniqueName('m')}`;
    h.sim.control.enroll({ memberId });
    const o = order(`pos:estate-1:${uniqueName('s')}`, 'pos', 'estate-1', { loyaltyMemberId: memberId }, [{ sku: 'MUG', quantity: 1, unitPrice: '10.00' }]);
    await h.publish('OrderPlaced', o);
    const paymentId = `pos_terminal:${uniqueName('p')}`;
    await h.publish('PaymentCaptured', { orderId: o.orderId, paymentId, provider: 'pos_terminal', method: 'loyalty_points', amount: eur('5.00') });
    const later = order(`pos:estate-1:${uniqueName('s')}`, 'pos', 'estate-1', { loyaltyMemberId: memberId }, [{ sku: 'MUG', quantity: 1, unitPrice: '10.00' }]);
    await h.publish('OrderPlaced', later);
    const [rejected] = await eventually('rejection', () => rejections(o.orderId), (r) => r.length === 1, { timeoutMs: 30_000 });
    expect(rejected).toMatchObject({ activity: 'redemption', reason: 'insufficient-points', points: 500, reference: paymentId });
    await eventually('the later order credited', () => h.sim.balance(memberId), (b) => b === 20, { timeoutMs: 30_000 });
    expect(h.sim.transactions(memberId).map((t) => t.type)).toEqual(['earn', 'earn']);
    expect(await h.metric('loyalty_rejections_total', { activity: 'redemption', reason: 'insufficient-points' })).toBe(1);
    expect(await h.metric('messaging_dlq_total')).toBe(0);
  });
});
