import { uniqueName } from '@retail-backbone/devstack';
import { eventually } from '@retail-backbone/local-platform';
import { order, startHarness, type Harness } from './harness';

const DAY = 86_400_000;

describe('loyalty-sync: guests', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    await h.start();
  });

  afterAll(async () => {
    await h?.close();
  });

  it('credits a guest’s orders of the last N days once, when a later order identifies the customer by email', async () => {
    const memberId = `LM-${uniqueName('m')}`;
    h.sim.control.enroll({ memberId });
    const email = `${uniqueName('jane')}@example.com`;
    const now = Date.now();
    const shop = 'acme-eu.myshopify.com';
    const recent = order(`shopify:${shop}:${uniqueName('o')}`, 'shopify', shop, { email }, [{ sku: 'MUG', quantity: 1, unitPrice: '15.00' }], { placedAt: now - 3 * DAY });
    const tooOld = order(`shopify:${shop}:${uniqueName('o')}`, 'shopify', shop, { email }, [{ sku: 'MUG', quantity: 1, unitPrice: '40.00' }], { placedAt: now - 45 * DAY });
    await h.publish('OrderPlaced', tooOld);
    await h.publish('OrderPlaced', recent);
    await eventually('guest orders seen', async () => (await h.outbox('LoyaltyActivityRejected')).filter((e) => [recent.orderId, tooOld.orderId].includes(e.orderId as string)).length, (n) => n === 2, { timeoutMs: 30_000 });
    expect(h.sim.transactions(memberId)).toHaveLength(0);

    // Identified: the same address (other case, spaces) on an order with a loyalty member id.
    const identifying = order(`pos:estate-1:${uniqueName('s')}`, 'pos', 'estate-1', { loyaltyMemberId: memberId, email: ` ${email.toUpperCase()} ` }, [{ sku: 'CAP', quantity: 1, unitPrice: '20.00' }], { placedAt: now });
    await h.publish('OrderPlaced', identifying);
    await eventually('identifying order and the recent guest order credited', () => h.sim.balance(memberId), (b) => b === 20 + 15, { timeoutMs: 30_000 });
    // A second identifying order credits no guest order again.
    const again = order(`pos:estate-1:${uniqueName('s')}`, 'pos', 'estate-1', { loyaltyMemberId: memberId, email }, [{ sku: 'CAP', quantity: 1, unitPrice: '1.00' }], { placedAt: now });
    await h.publish('OrderPlaced', again);
    await eventually('second order credited', () => h.sim.balance(memberId), (b) => b === 20 + 15 + 1, { timeoutMs: 30_000 });
    const refs = h.sim.transactions(memberId).map((t) => t.reference);
    expect(refs.sort()).toEqual([identifying.orderId, recent.orderId, again.orderId].sort());
    const [credited] = (await h.outbox('LoyaltyPointsAccrued')).filter((e) => e.orderId === recent.orderId);
    expect(credited).toMatchObject({ customerId: `member:${memberId}`, points: 15 });
  });
});
