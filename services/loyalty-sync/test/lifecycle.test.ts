import { uniqueName } from '@retail-backbone/devstack';
import { eventually } from '@retail-backbone/local-platform';
import { newEventId } from '@retail-backbone/messaging';
import { eur, order, startHarness, type Harness } from './harness';

/** Points of a basis in cents at 1 point per EUR, rounded down: the calculation the service must agree with. */
const floorPoints = (cents: number) => Math.floor(cents / 100);

describe('loyalty-sync: accrual, reversal and redemption end to end', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    await h.start();
  });

  afterAll(async () => {
    await h?.close();
  });

  it('credits online and store purchases to one member, takes back a returned item, captures a redemption once; the balance equals the order history', async () => {
    const memberId = `LM-${uniqueName('m')}`;
    const shop = 'acme-eu.myshopify.com';
    const shopCustomer = uniqueName('c');
    h.sim.control.enroll({ memberId, refs: [`shopify:${shop}:${shopCustomer}`] });

    // Online: prices without tax, a line discount and shipping (neither tax nor shipping earns).
    const online = order(`shopify:${shop}:${uniqueName('o')}`, 'shopify', shop, { channelCustomerId: shopCustomer }, [
      { sku: 'TSHIRT', quantity: 2, unitPrice: '24.90', discount: '4.98', tax: '8.52' },
      { sku: 'SOCKS', quantity: 1, unitPrice: '12.00', tax: '2.28' },
    ], { shipping: '4.90' });
    // In store: prices include tax.
    const store = order(`pos:estate-1:${uniqueName('s')}`, 'pos', 'estate-1', { loyaltyMemberId: memberId }, [{ sku: 'JACKET', quantity: 1, unitPrice: '119.00', tax: '19.00' }], { taxesIncluded: true });
    const onlineBasis = 2 * 2490 - 498 + 1200;
    const storeBasis = 11900 - 1900;

    const placed = await h.publish('OrderPlaced', online);
    await h.publish('OrderPlaced', store);
    await eventually('both accruals on the platform', () => h.sim.balance(memberId), (b) => b === floorPoints(onlineBasis) + floorPoints(storeBasis), { timeoutMs: 30_000 });

    // The socks come back: their share of what the online order earned is taken back, once, though
    // the refund that settles the return arrives too.
    const returnId = `return:${uniqueName('r')}`;
    await h.publish('ReturnReceived', {
      orderId: online.orderId,
      returnId,
      channel: 'shopify',
      lines: [{ lineId: '2', sku: 'SOCKS', quantity: 1, restock: true, reason: 'size', refundAmount: eur('14.28') }],
      refundTotal: eur('14.28'),
    });
    await h.publish('PaymentRefunded', { orderId: online.orderId, refundId: `refund:${uniqueName('f')}`, returnId, amount: eur('14.28') });
    const reversed = Math.round((floorPoints(onlineBasis) * 1200) / onlineBasis);

    // A second store purchase paid partly with 1.00 EUR of points (100 points at 0.01 EUR).
    const second = order(`pos:estate-1:${uniqueName('s')}`, 'pos', 'estate-1', { loyaltyMemberId: memberId }, [{ sku: 'CAP', quantity: 1, unitPrice: '30.00', tax: '4.79' }], { taxesIncluded: true });
    await h.publish('OrderPlaced', second);
    const tender = { orderId: second.orderId, paymentId: `pos_terminal:${uniqueName('p')}`, provider: 'pos_terminal', method: 'loyalty_points', amount: eur('1.00') };
    const redemption = await h.publish('PaymentCaptured', tender);
    // Redelivery: the same event again, and the same order under a new event id.
    await h.publish('PaymentCaptured', {}, redemption);
    await h.publish('OrderPlaced', {}, { ...placed, envelope: { ...(placed.envelope as object), eventId: newEventId() } });

    const expected = floorPoints(onlineBasis) + floorPoints(storeBasis) - reversed + floorPoints(3000 - 479) - 100;
    await eventually('the balance of the order history', () => h.sim.balance(memberId), (b) => b === expected, { timeoutMs: 30_000 });
    await eventually('every movement announced', async () => (await h.outbox()).filter((e) => (e.customerId as string).includes(memberId) || (e.customerId as string).includes(shopCustomer)).length, (n) => n === 5, { timeoutMs: 30_000 });

    const txs = h.sim.transactions(memberId);
    expect(txs.map((t) => [t.type, t.points])).toEqual(
      expect.arrayContaining([
        ['earn', floorPoints(onlineBasis)],
        ['earn', floorPoints(storeBasis)],
        ['reverse', reversed],
        ['earn', floorPoints(2521)],
        ['redeem', 100],
      ]),
    );
    expect(txs).toHaveLength(5);
    const accrued = (await h.outbox('LoyaltyPointsAccrued')).filter((e) => [online.orderId, store.orderId, second.orderId].includes(e.orderId as string));
    expect(accrued.map((e) => e.points).sort()).toEqual([floorPoints(onlineBasis), floorPoints(storeBasis), floorPoints(2521)].sort());
    const [reversal] = (await h.outbox('LoyaltyPointsReversed')).filter((e) => e.orderId === online.orderId);
    expect(reversal).toMatchObject({ points: reversed, reason: 'return', customerId: `shopify:${shop}:${shopCustomer}`, loyaltyMemberId: memberId });
    expect(reversal!.originalTransactionId).toBe(txs.find((t) => t.reference === online.orderId && t.type === 'earn')!.transactionId);
    const [redeemed] = (await h.outbox('LoyaltyPointsRedeemed')).filter((e) => e.orderId === second.orderId);
    expect(redeemed).toMatchObject({ points: 100, paymentId: tender.paymentId, idempotencyKey: `loyalty:redeem:${tender.paymentId}` });
    expect(await h.metric('loyalty_points_total', { kind: 'redeemed' })).toBeGreaterThanOrEqual(100);
  });

  it('restores the points a cancelled order was paid with and takes back what it earned', async () => {
    const memberId = `LM-${uniqueName('m')}`;
    h.sim.control.enroll({ memberId });
    const first = order(`pos:estate-1:${uniqueName('s')}`, 'pos', 'estate-1', { loyaltyMemberId: memberId }, [{ sku: 'BOOTS', quantity: 1, unitPrice: '80.00' }]);
    await h.publish('OrderPlaced', first);
    await eventually('accrual', () => h.sim.balance(memberId), (b) => b === 80, { timeoutMs: 30_000 });
    const cancelledOrder = order(`pos:estate-1:${uniqueName('s')}`, 'pos', 'estate-1', { loyaltyMemberId: memberId }, [{ sku: 'HAT', quantity: 1, unitPrice: '20.00' }]);
    // The tender arrives before its order (another topic): it is kept and applied right after.
    const paymentId = `pos_terminal:${uniqueName('p')}`;
    await h.publish('PaymentCaptured', { orderId: cancelledOrder.orderId, paymentId, provider: 'pos_terminal', method: 'loyalty_points', amount: eur('0.50') });
    await h.publish('OrderPlaced', cancelledOrder);
    await eventually('accrual and redemption', () => h.sim.balance(memberId), (b) => b === 80 + 20 - 50, { timeoutMs: 30_000 });
    await h.publish('OrderCancelled', { orderId: cancelledOrder.orderId, channel: 'pos', channelOrderId: cancelledOrder.channelOrderId });
    await eventually('cancellation settled', () => h.sim.balance(memberId), (b) => b === 80, { timeoutMs: 30_000 });
    await eventually('restore announced', async () => (await h.outbox('LoyaltyRedemptionRestored')).filter((e) => e.paymentId === paymentId), (r) => r.length === 1, { timeoutMs: 10_000 });
    const types = h.sim.transactions(memberId).map((t) => `${t.type}:${t.points}`);
    expect(types.sort()).toEqual(['earn:80', 'earn:20', 'redeem:50', 'reverse:20', 'restore:50'].sort());
    // Another order's cancellation is its own: every order's 'cancel' source counts once for it.
    await h.publish('OrderCancelled', { orderId: first.orderId, channel: 'pos', channelOrderId: first.channelOrderId });
    await eventually('second cancellation settled', () => h.sim.balance(memberId), (b) => b === 0, { timeoutMs: 30_000 });
  });
});
