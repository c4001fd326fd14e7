/**
 * The demo's traffic mix: a bounded list of steps (orders on every channel, redeliveries,
 * cancellations, returns, an offline POS batch, WMS receipts and counts), built up front from a
 * seeded random source so a run can be repeated.
 */
import { DEMO_CATALOG, DEMO_SHOP_DOMAIN, ONLINE_LOCATION, STORE_LOCATION, shopifyCustomerId, type OrderLineInput, type PosSaleInput } from '../traffic';

export type StepKind =
  | 'shopify-order'
  | 'shopify-redelivery'
  | 'shopify-cancel'
  | 'woo-order'
  | 'woo-redelivery'
  | 'woo-cancel'
  | 'pos-sale'
  | 'pos-retry'
  | 'pos-batch'
  | 'pos-return'
  | 'stock-receipt'
  | 'stock-adjustment'
  | 'loyalty-enrol';

export type Step =
  | { kind: 'shopify-order'; ref: number; orderId: bigint; lines: OrderLineInput[] }
  | { kind: 'shopify-redelivery'; of: number }
  | { kind: 'shopify-cancel'; of: number }
  | { kind: 'woo-order'; ref: number; orderId: number; lines: OrderLineInput[] }
  | { kind: 'woo-redelivery'; of: number }
  | { kind: 'woo-cancel'; of: number }
  | { kind: 'pos-sale'; ref: number; sale: PosSaleInput }
  | { kind: 'pos-retry'; of: number }
  | { kind: 'pos-batch'; sales: PosSaleInput[] }
  | { kind: 'pos-return'; of: number; returnId: string; lines: OrderLineInput[] }
  | { kind: 'stock-receipt'; sku: string; locationId: string; quantityDelta: number }
  | { kind: 'stock-adjustment'; sku: string; locationId: string; quantityDelta: number }
  | { kind: 'loyalty-enrol'; memberId: string; refs: string[] };

/** Steps sent together, at the same instant (a flash sale, a till reconnecting). */
export type Wave = Step[];

export interface PlanOptions {
  orders: number;
  /** Orders per burst; every fifth wave is a burst when > 1. */
  burst: number;
  runId: string;
  seed: number;
  /**
   * A loyalty journey too (needs LOYALTY_PLATFORM_URL): the customers of the first Shopify orders
   * are enrolled as members, the same members buy in store (their member id at the till), some
   * return an item and some pay part of a later store purchase with points.
   */
  loyalty?: boolean;
}

/** Demo loyalty members: enough to repeat customers across channels in a short run. */
const LOYALTY_MEMBERS = 5;

/** mulberry32: tiny deterministic PRNG, so a seed reproduces a run (demo mix, chaos plan, bad-input cases). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function buildPlan(options: PlanOptions): Wave[] {
  if (!Number.isInteger(options.orders) || options.orders < 1) throw new RangeError(`--orders must be a positive whole number, got ${options.orders}`);
  if (!Number.isInteger(options.burst) || options.burst < 1) throw new RangeError(`--burst must be a positive whole number, got ${options.burst}`);
  const rnd = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
  const basket = (): OrderLineInput[] => {
    const count = 1 + Math.floor(rnd() * 3);
    const skus = new Set<string>();
    while (skus.size < count) skus.add(pick(DEMO_CATALOG).sku);
    return [...skus].map((sku) => ({ sku, quantity: 1 + Math.floor(rnd() * 2) }));
  };
  // 18-digit Shopify ids (above 2^53) and WooCommerce ids unique per run.
  const runNumber = BigInt(Date.now());
  const shopifyBase = 820_000_000_000_000_000n + runNumber * 1000n;
  const wooBase = (Math.floor(Date.now() / 1000) % 1_000_000) * 1000;

  // An offline till's backlog: about a tenth of the orders, uploaded in one batch mid-run.
  const batchSize = Math.max(1, Math.floor(options.orders / 10));
  const live = options.orders - batchSize;
  const steps: Step[] = [];
  const followUps: Array<{ at: number; step: Step }> = [];
  const members: string[] = [];
  for (let ref = 0; ref < live; ref += 1) {
    const roll = rnd();
    if (roll < 0.45) {
      if (options.loyalty && members.length < LOYALTY_MEMBERS) {
        const memberId = `LM-DEMO-${options.runId}-${members.length + 1}`;
        members.push(memberId);
        steps.push({ kind: 'loyalty-enrol', memberId, refs: [`shopify:${DEMO_SHOP_DOMAIN}:${shopifyCustomerId(shopifyBase + BigInt(ref))}`] });
      }
      steps.push({ kind: 'shopify-order', ref, orderId: shopifyBase + BigInt(ref), lines: basket() });
      if (rnd() < 0.08) followUps.push({ at: ref + 3, step: { kind: 'shopify-redelivery', of: ref } });
      if (rnd() < 0.08) followUps.push({ at: ref + 10, step: { kind: 'shopify-cancel', of: ref } });
    } else if (roll < 0.7) {
      steps.push({ kind: 'woo-order', ref, orderId: wooBase + ref, lines: basket() });
      if (rnd() < 0.06) followUps.push({ at: ref + 2, step: { kind: 'woo-redelivery', of: ref } });
      if (rnd() < 0.06) followUps.push({ at: ref + 12, step: { kind: 'woo-cancel', of: ref } });
    } else {
      const sale: PosSaleInput = { saleId: `demo-${options.runId}-s${ref}`, lines: basket(), tender: rnd() < 0.3 ? 'cash' : 'card' };
      if (members.length > 0) {
        const n = ref % members.length;
        sale.customer = { loyaltyMemberId: members[n]! };
        // A member who has bought before pays 0.20 of this one with points (20 points).
        if (steps.some((s) => s.kind === 'pos-sale' && s.sale.customer?.loyaltyMemberId === members[n]) && rnd() < 0.4) sale.pointsPaid = '0.20';
      }
      steps.push({ kind: 'pos-sale', ref, sale });
      if (rnd() < 0.05) followUps.push({ at: ref + 1, step: { kind: 'pos-retry', of: ref } });
      if (rnd() < 0.1) {
        const line = sale.lines[0]!;
        followUps.push({ at: ref + 15, step: { kind: 'pos-return', of: ref, returnId: `demo-${options.runId}-r${ref}`, lines: [{ sku: line.sku, quantity: 1 }] } });
      }
    }
    if (ref > 0 && ref % 25 === 0) {
      steps.push({ kind: 'stock-receipt', sku: pick(DEMO_CATALOG).sku, locationId: pick([ONLINE_LOCATION, STORE_LOCATION]), quantityDelta: 20 + Math.floor(rnd() * 30) });
      steps.push({ kind: 'stock-adjustment', sku: pick(DEMO_CATALOG).sku, locationId: STORE_LOCATION, quantityDelta: -1 - Math.floor(rnd() * 2) });
    }
    for (const due of followUps.filter((f) => f.at === ref)) steps.push(due.step);
  }
  for (const late of followUps.filter((f) => f.at >= live)) steps.push(late.step);
  const batch: Step = {
    kind: 'pos-batch',
    sales: Array.from({ length: batchSize }, (_, i) => ({
      saleId: `demo-${options.runId}-offline${i}`,
      lines: basket(),
      occurredAt: new Date(Date.now() - (batchSize - i) * 60_000),
    })),
  };
  steps.splice(Math.floor(steps.length / 2), 0, batch);
  return toWaves(steps, options.burst);
}

/** Groups steps into waves: mostly one step, every fifth wave a burst of `burst` steps. */
function toWaves(steps: Step[], burst: number): Wave[] {
  const waves: Wave[] = [];
  for (let i = 0; i < steps.length; ) {
    const size = burst > 1 && waves.length % 5 === 4 ? burst : 1;
    waves.push(steps.slice(i, i + size));
    i += size;
  }
  return waves;
}

export function ordersIn(step: Step): number {
  if (step.kind === 'pos-batch') return step.sales.length;
  return step.kind === 'shopify-order' || step.kind === 'woo-order' || step.kind === 'pos-sale' ? 1 : 0;
}
