/**
 * Demo traffic (the demo's seeded mix, plus Stripe payments) sent as channels send it: a request
 * that got no answer or a 5xx (the service was being killed) is retried with the same body and
 * delivery id, bounded. What the platform accepted is recorded here, independently of it.
 */
import { randomUUID } from 'node:crypto';
import {
  DEMO_SHOP_DOMAIN,
  ONLINE_LOCATION,
  STORE_LOCATION,
  buildPlan,
  posSale,
  shopifyOrderCreated,
  stripePaymentSucceeded,
  wooOrderCreated,
  type HttpAnswer,
  type OrderLineInput,
  type Step,
  type TrafficClient,
} from '@retail-backbone/local-platform';
import { ExponentialBackoff, handleAll, retry } from 'cockatiel';

export interface AcceptedOrder {
  orderId: string;
  locationId: string;
  lines: OrderLineInput[];
  cancelled: boolean;
}

export interface Ledger {
  orders: Map<string, AcceptedOrder>;
  /** Sends that never got an answer within the retry budget: they may or may not have landed. */
  unanswered: number;
  /** Answers other than the expected ones (after retries). */
  refused: Array<{ kind: string; status: number; detail: string }>;
  returnsAccepted: number;
  paymentsAccepted: Set<string>;
  stockMovements: Set<string>;
  requests: number;
  retries: number;
}

const MAX_IN_FLIGHT = 32;

class Retryable extends Error {}

export class ChaosTraffic {
  readonly ledger: Ledger = { orders: new Map(), unanswered: 0, refused: [], returnsAccepted: 0, paymentsAccepted: new Set(), stockMovements: new Set(), requests: 0, retries: 0 };
  private readonly originals = new Map<string, Promise<{ body: string; deliveryId: string; orderId: string | null; step: Step }>>();
  private readonly policy;

  constructor(
    private readonly client: TrafficClient,
    private readonly seed: number,
  ) {
    // Up to ~2 minutes of retries: longer than any planned outage of order-ingest or its database.
    this.policy = retry(handleAll, { maxAttempts: 40, backoff: new ExponentialBackoff({ initialDelay: 200, maxDelay: 4_000 }) });
    this.policy.onRetry(() => (this.ledger.retries += 1));
  }

  /** Sends `ratePerSecond` steps a second until `durationMs` has passed. */
  async run(durationMs: number, ratePerSecond: number): Promise<void> {
    const orders = Math.max(20, Math.ceil((durationMs / 1000) * ratePerSecond));
    const steps = buildPlan({ orders, burst: 1, runId: `chaos${Date.now().toString(36)}`, seed: this.seed }).flat();
    const started = Date.now();
    const inFlight = new Set<Promise<void>>();
    for (const [i, step] of steps.entries()) {
      if (Date.now() - started >= durationMs) break;
      while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
      const task = this.execute(step, i).finally(() => inFlight.delete(task));
      inFlight.add(task);
      const wait = started + ((i + 1) * 1000) / ratePerSecond - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    await Promise.all(inFlight);
  }

  private async send(kind: string, request: () => Promise<HttpAnswer>): Promise<HttpAnswer | null> {
    this.ledger.requests += 1;
    try {
      return await this.policy.execute(async () => {
        const answer = await request();
        if (answer.status >= 500 || answer.status === 429) throw new Retryable(`${kind}: HTTP ${answer.status}`);
        return answer;
      });
    } catch {
      this.ledger.unanswered += 1;
      return null;
    }
  }

  private accepted(kind: string, answer: HttpAnswer | null, expected: readonly number[]): boolean {
    if (!answer) return false;
    if (expected.includes(answer.status)) return true;
    this.ledger.refused.push({ kind, status: answer.status, detail: JSON.stringify(answer.body).slice(0, 200) });
    return false;
  }

  private recordOrder(answer: HttpAnswer, locationId: string, lines: OrderLineInput[]): string | null {
    const orderId = (answer.body as { orderId?: string } | null)?.orderId;
    if (!orderId) return null;
    if (!this.ledger.orders.has(orderId)) this.ledger.orders.set(orderId, { orderId, locationId, lines, cancelled: false });
    return orderId;
  }

  private remember(key: string, value: Promise<{ body: string; deliveryId: string; orderId: string | null; step: Step }>): void {
    this.originals.set(key, value);
  }

  private async original(key: string) {
    return this.originals.get(key) ?? null;
  }

  private async execute(step: Step, index: number): Promise<void> {
    const c = this.client;
    switch (step.kind) {
      case 'shopify-order':
      case 'woo-order': {
        const shopify = step.kind === 'shopify-order';
        const body = shopify ? shopifyOrderCreated({ orderId: step.orderId, lines: step.lines }) : wooOrderCreated({ orderId: step.orderId as number, lines: step.lines });
        const deliveryId = randomUUID();
        const done = (async () => {
          const answer = await this.send(step.kind, () => (shopify ? c.deliverShopify('orders/create', body, { deliveryId }) : c.deliverWoo('order.created', body, { deliveryId })));
          const orderId = this.accepted(step.kind, answer, [200, 202]) ? this.recordOrder(answer!, ONLINE_LOCATION, step.lines) : null;
          if (orderId && shopify && index % 3 === 0) await this.pay(String(step.orderId), step.lines.length * 1000);
          return { body, deliveryId, orderId, step };
        })();
        this.remember(`${shopify ? 'shopify' : 'woo'}:${step.ref}`, done);
        await done;
        return;
      }
      case 'shopify-redelivery':
      case 'woo-redelivery': {
        const shopify = step.kind === 'shopify-redelivery';
        const o = await (await this.original(`${shopify ? 'shopify' : 'woo'}:${step.of}`));
        if (!o) return;
        const answer = await this.send(step.kind, () => (shopify ? c.deliverShopify('orders/create', o.body, { deliveryId: o.deliveryId }) : c.deliverWoo('order.created', o.body, { deliveryId: o.deliveryId })));
        this.accepted(step.kind, answer, [200, 202]);
        return;
      }
      case 'shopify-cancel':
      case 'woo-cancel': {
        const shopify = step.kind === 'shopify-cancel';
        const o = await this.original(`${shopify ? 'shopify' : 'woo'}:${step.of}`);
        if (!o?.orderId) return;
        const placed = o.step as Extract<Step, { kind: 'shopify-order' | 'woo-order' }>;
        const answer = await this.send(step.kind, () =>
          shopify ? c.sendShopifyCancel({ orderId: placed.orderId as bigint, lines: placed.lines, reason: 'customer' }) : c.sendWooCancel({ orderId: placed.orderId as number, lines: placed.lines }),
        );
        if (this.accepted(step.kind, answer, [200, 202])) this.ledger.orders.get(o.orderId)!.cancelled = true;
        return;
      }
      case 'pos-sale': {
        const body = posSale(step.sale);
        const key = `sale-${step.sale.saleId}`;
        const done = (async () => {
          const answer = await this.send(step.kind, () => c.deliverPos('/v1/pos/sales', body, key));
          const orderId = this.accepted(step.kind, answer, [200, 202]) ? this.recordOrder(answer!, STORE_LOCATION, [...step.sale.lines]) : null;
          return { body, deliveryId: key, orderId, step };
        })();
        this.remember(`pos:${step.ref}`, done);
        await done;
        return;
      }
      case 'pos-retry': {
        const o = await this.original(`pos:${step.of}`);
        if (!o) return;
        this.accepted(step.kind, await this.send(step.kind, () => c.deliverPos('/v1/pos/sales', o.body, o.deliveryId)), [200, 202]);
        return;
      }
      case 'pos-return': {
        const o = await this.original(`pos:${step.of}`);
        if (!o?.orderId) return;
        const sale = (o.step as Extract<Step, { kind: 'pos-sale' }>).sale;
        const answer = await this.send(step.kind, () => c.sendPosReturn({ returnId: step.returnId, saleId: sale.saleId, lines: step.lines.map((l) => ({ ...l, reason: 'changed_mind' })) }));
        if (this.accepted(step.kind, answer, [200, 202])) this.ledger.returnsAccepted += 1;
        return;
      }
      case 'pos-batch': {
        const key = `batch-${randomUUID()}`;
        const answer = await this.send(step.kind, () => c.sendPosBatch(step.sales, { idempotencyKey: key }));
        if (!this.accepted(step.kind, answer, [207])) return;
        const items = (answer!.body as { items?: Array<{ index: number; status: number; orderId?: string }> }).items ?? [];
        for (const item of items) {
          const sale = step.sales[item.index];
          if (sale && item.orderId && (item.status === 202 || item.status === 200)) this.recordOrder({ ...answer!, body: { orderId: item.orderId } }, STORE_LOCATION, [...sale.lines]);
          else this.ledger.refused.push({ kind: 'pos-batch item', status: item.status, detail: JSON.stringify(item).slice(0, 200) });
        }
        return;
      }
      case 'stock-receipt':
      case 'stock-adjustment': {
        const movementId = `chaos-mv-${randomUUID()}`;
        try {
          await this.policy.execute(() =>
            c.publishStockMovement({
              movementId,
              sku: step.sku,
              locationId: step.locationId,
              quantityDelta: step.quantityDelta,
              movementType: step.kind === 'stock-receipt' ? 'receipt' : 'adjustment',
              reason: step.kind === 'stock-adjustment' ? 'damaged' : undefined,
            }),
          );
          this.ledger.stockMovements.add(movementId);
        } catch {
          this.ledger.unanswered += 1;
        }
        return;
      }
    }
  }

  private async pay(shopifyOrderId: string, amount: number): Promise<void> {
    const paymentIntentId = `pi_chaos_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    const body = stripePaymentSucceeded({ eventId: `evt_${paymentIntentId}`, paymentIntentId, amount, order: { channel: 'shopify', channelId: DEMO_SHOP_DOMAIN, channelOrderId: shopifyOrderId } });
    const answer = await this.send('stripe-payment', () => this.client.deliverStripe(body));
    if (this.accepted('stripe-payment', answer, [200, 202])) this.ledger.paymentsAccepted.add(paymentIntentId);
  }
}
