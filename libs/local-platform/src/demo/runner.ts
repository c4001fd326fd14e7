/**
 * Sends a plan at a given pace. Follow-ups (redeliveries, cancellations, returns) wait for the
 * answer to the order they refer to, as they would in reality. Every answer is checked against
 * what the platform should say; anything else is recorded as unexpected.
 */
import { randomUUID } from 'node:crypto';
import { posSale, shopifyOrderCreated, wooOrderCreated, type HttpAnswer, type TrafficClient } from '../traffic';
import { ordersIn, type Step, type StepKind, type Wave } from './plan';

const MAX_IN_FLIGHT = 64;

export interface Unexpected {
  kind: StepKind;
  status: number;
  detail: string;
}

export interface RunStats {
  steps: Partial<Record<StepKind, number>>;
  /** `<kind> <status>` → count. */
  answers: Record<string, number>;
  unexpected: Unexpected[];
  rateLimitedWaits: number;
  ordersSent: number;
}

interface Sent {
  answer: Promise<HttpAnswer>;
  rawBody?: string;
  /** Delivery id or Idempotency-Key of the original request. */
  deliveryId?: string;
  step: Step;
}

const EXPECTED: Record<StepKind, readonly number[]> = {
  'shopify-order': [202],
  'shopify-redelivery': [200, 202],
  'shopify-cancel': [202],
  'woo-order': [202],
  'woo-redelivery': [200, 202],
  'woo-cancel': [202],
  'pos-sale': [202],
  'pos-retry': [200, 202],
  'pos-batch': [207],
  'pos-return': [202],
  'stock-receipt': [0],
  'stock-adjustment': [0],
  // 409: the customer's reference was enrolled by an earlier run (or on a first movement).
  'loyalty-enrol': [201, 409],
};

export class TrafficRunner {
  readonly stats: RunStats = { steps: {}, answers: {}, unexpected: [], rateLimitedWaits: 0, ordersSent: 0 };
  private readonly sent = new Map<string, Sent>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly client: TrafficClient,
    private readonly ratePerSecond: number,
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError(`--rate must be > 0, got ${ratePerSecond}`);
  }

  async run(waves: readonly Wave[], onProgress: (ordersSent: number) => void, shouldStop: () => boolean): Promise<void> {
    const interval = 1000 / this.ratePerSecond;
    const started = Date.now();
    let slots = 0;
    for (const wave of waves) {
      if (shouldStop()) break;
      for (const step of wave) {
        while (this.inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.inFlight);
        const task = this.execute(step).finally(() => this.inFlight.delete(task));
        this.inFlight.add(task);
        this.stats.ordersSent += ordersIn(step);
      }
      onProgress(this.stats.ordersSent);
      slots += 1;
      const wait = started + slots * interval - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    await Promise.all(this.inFlight);
    onProgress(this.stats.ordersSent);
  }

  private async execute(step: Step): Promise<void> {
    this.stats.steps[step.kind] = (this.stats.steps[step.kind] ?? 0) + 1;
    try {
      if (step.kind === 'stock-receipt' || step.kind === 'stock-adjustment') {
        await this.client.publishStockMovement({
          sku: step.sku,
          locationId: step.locationId,
          quantityDelta: step.quantityDelta,
          movementType: step.kind === 'stock-receipt' ? 'receipt' : 'adjustment',
          reason: step.kind === 'stock-adjustment' ? 'damaged' : undefined,
        });
        this.record(step, { status: 0, body: null, correlationId: null, rateLimited: 0 });
        return;
      }
      const answer = await this.send(step);
      this.record(step, answer);
    } catch (error) {
      this.stats.unexpected.push({ kind: step.kind, status: -1, detail: error instanceof Error ? error.message : String(error) });
    }
  }

  private remember(key: string, sent: Omit<Sent, 'answer'>, answer: Promise<HttpAnswer>): Promise<HttpAnswer> {
    this.sent.set(key, { ...sent, answer });
    return answer;
  }

  /** The original a follow-up refers to, once it has been answered. */
  private async original(key: string): Promise<Sent> {
    const sent = this.sent.get(key);
    if (!sent) throw new Error(`follow-up of ${key}, which was never sent`);
    await sent.answer.catch(() => undefined);
    return sent;
  }

  private async send(step: Exclude<Step, { kind: 'stock-receipt' | 'stock-adjustment' }>): Promise<HttpAnswer> {
    const c = this.client;
    switch (step.kind) {
      case 'shopify-order': {
        const rawBody = shopifyOrderCreated({ orderId: step.orderId, lines: step.lines });
        const deliveryId = randomUUID();
        return this.remember(`shopify:${step.ref}`, { rawBody, deliveryId, step }, c.deliverShopify('orders/create', rawBody, { deliveryId }));
      }
      case 'shopify-redelivery': {
        const o = await this.original(`shopify:${step.of}`);
        // Half are retries of the same delivery, half the same event delivered under a new id.
        return c.deliverShopify('orders/create', o.rawBody!, { deliveryId: step.of % 2 === 0 ? o.deliveryId : undefined });
      }
      case 'shopify-cancel': {
        const o = (await this.original(`shopify:${step.of}`)).step as Extract<Step, { kind: 'shopify-order' }>;
        return c.sendShopifyCancel({ orderId: o.orderId, lines: o.lines, reason: 'customer' });
      }
      case 'woo-order': {
        const rawBody = wooOrderCreated({ orderId: step.orderId, lines: step.lines });
        const deliveryId = randomUUID();
        return this.remember(`woo:${step.ref}`, { rawBody, deliveryId, step }, c.deliverWoo('order.created', rawBody, { deliveryId }));
      }
      case 'woo-redelivery': {
        const o = await this.original(`woo:${step.of}`);
        return c.deliverWoo('order.created', o.rawBody!, { deliveryId: o.deliveryId });
      }
      case 'woo-cancel': {
        const o = (await this.original(`woo:${step.of}`)).step as Extract<Step, { kind: 'woo-order' }>;
        return c.sendWooCancel({ orderId: o.orderId, lines: o.lines });
      }
      case 'pos-sale': {
        const rawBody = posSale(step.sale);
        const key = `sale-${step.sale.saleId}`;
        return this.remember(`pos:${step.ref}`, { rawBody, deliveryId: key, step }, c.deliverPos('/v1/pos/sales', rawBody, key));
      }
      case 'pos-retry': {
        // A till that lost the answer sends the very same request again, Idempotency-Key included.
        const o = await this.original(`pos:${step.of}`);
        return c.deliverPos('/v1/pos/sales', o.rawBody!, o.deliveryId);
      }
      case 'pos-return': {
        const o = (await this.original(`pos:${step.of}`)).step as Extract<Step, { kind: 'pos-sale' }>;
        return c.sendPosReturn({ returnId: step.returnId, saleId: o.sale.saleId, lines: step.lines.map((l) => ({ ...l, reason: 'changed_mind' })) });
      }
      case 'pos-batch':
        return c.sendPosBatch(step.sales);
      case 'loyalty-enrol':
        return c.enrolLoyaltyMember(step.memberId, step.refs);
    }
  }

  private record(step: Step, answer: HttpAnswer): void {
    this.stats.rateLimitedWaits += answer.rateLimited;
    if (answer.status !== 0) {
      const label = `${step.kind} ${answer.status}`;
      this.stats.answers[label] = (this.stats.answers[label] ?? 0) + 1;
    }
    let problem: string | null = EXPECTED[step.kind].includes(answer.status) ? null : JSON.stringify(answer.body).slice(0, 300);
    if (!problem && step.kind === 'pos-batch') {
      const summary = (answer.body as { summary?: Record<string, number> }).summary;
      if (!summary || (summary.invalid ?? 0) + (summary.conflict ?? 0) > 0) problem = `batch items refused: ${JSON.stringify(summary)}`;
    }
    if (problem) this.stats.unexpected.push({ kind: step.kind, status: answer.status, detail: problem });
  }
}
