import Big from 'big.js';
import { z } from 'zod';

/**
 * The earning and redemption rules, as configuration (LOYALTY_RULES, JSON): how many points a
 * unit of the paid amount earns (excluding tax and shipping) per currency and region, how points
 * are rounded, promotions as a multiplier over a date range, the moment points become earned per
 * channel, what one point is worth when spent, the payment methods that are points, and how far
 * back a guest's orders are credited once the guest is identified.
 */
const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal string');
const moment = z.enum(['placement', 'capture', 'shipment']);

export const rulesSchema = z.object({
  rates: z
    .array(z.object({ currency: z.string().regex(/^[A-Z]{3}$/), region: z.string().min(1).optional(), pointsPerUnit: decimal }))
    .min(1),
  rounding: z.enum(['floor', 'nearest', 'ceil']).default('floor'),
  promotions: z
    .array(
      z.object({
        id: z.string().min(1),
        multiplier: decimal,
        from: z.iso.datetime({ offset: true }),
        to: z.iso.datetime({ offset: true }),
        channels: z.array(z.string().min(1)).optional(),
      }),
    )
    .default([]),
  earnMoment: z.object({ default: moment.default('placement'), byChannel: z.record(z.string(), moment).default({}) }).default({ default: 'placement', byChannel: {} }),
  pointValue: z.record(z.string().regex(/^[A-Z]{3}$/), decimal).default({}),
  redemptionMethods: z.array(z.string().min(1)).default(['loyalty_points']),
  guestLookbackDays: z.number().int().min(0).default(30),
});

export type LoyaltyRules = z.infer<typeof rulesSchema>;
export type EarnMoment = z.infer<typeof moment>;

export const DEFAULT_RULES: LoyaltyRules = rulesSchema.parse({
  rates: [
    { currency: 'EUR', pointsPerUnit: '1' },
    { currency: 'USD', pointsPerUnit: '1' },
    { currency: 'GBP', pointsPerUnit: '1.2' },
  ],
  pointValue: { EUR: '0.01', USD: '0.01', GBP: '0.01' },
});

interface MoneyLike {
  amount: string;
}

export interface OrderForRules {
  channel: string;
  currency: string;
  taxesIncluded: boolean;
  placedAt: number;
  lines: Array<{ lineId: string; sku: string; quantity: number; unitPrice: MoneyLike; discount: MoneyLike; tax: MoneyLike }>;
  totals: { subtotal: MoneyLike; discounts: MoneyLike; tax: MoneyLike; shipping: MoneyLike; grandTotal: MoneyLike };
}

/** One line's share of what earns points, kept with the order so a return is matched to it. */
export interface LineBasis {
  lineId: string;
  sku: string;
  quantity: number;
  basis: string;
}

export class EarningRules {
  constructor(
    readonly rules: LoyaltyRules,
    private readonly region: string,
  ) {}

  /** 'capture' and 'shipment' wait for that fact; an unknown channel gets the default. */
  earnMoment(channel: string): EarnMoment {
    return this.rules.earnMoment.byChannel[channel] ?? this.rules.earnMoment.default;
  }

  isRedemption(method: string | null | undefined): boolean {
    return method !== null && method !== undefined && this.rules.redemptionMethods.includes(method);
  }

  /**
   * What the customer paid for goods, excluding tax and shipping: line prices minus line
   * discounts, minus tax where prices include it; order-level discounts beyond the lines' are
   * spread over the lines in proportion. Never negative.
   */
  lineBases(order: OrderForRules): LineBasis[] {
    const raw = order.lines.map((l) => {
      const gross = new Big(l.unitPrice.amount).times(l.quantity).minus(l.discount.amount);
      return order.taxesIncluded ? gross.minus(l.tax.amount) : gross;
    });
    const lineDiscounts = order.lines.reduce((s, l) => s.plus(l.discount.amount), new Big(0));
    const extraDiscount = Big(order.totals.discounts.amount).minus(lineDiscounts);
    const sum = raw.reduce((s, b) => s.plus(b), new Big(0));
    return order.lines.map((l, i) => {
      let basis = raw[i]!;
      if (extraDiscount.gt(0) && sum.gt(0)) basis = basis.minus(extraDiscount.times(basis).div(sum));
      if (basis.lt(0)) basis = new Big(0);
      return { lineId: l.lineId, sku: l.sku, quantity: l.quantity, basis: basis.round(6).toString() };
    });
  }

  /** Points per unit for the currency in this region; undefined when the currency earns nothing. */
  rate(currency: string): Big | undefined {
    const exact = this.rules.rates.find((r) => r.currency === currency && r.region === this.region);
    const any = this.rules.rates.find((r) => r.currency === currency && r.region === undefined);
    const found = exact ?? any;
    return found ? new Big(found.pointsPerUnit) : undefined;
  }

  /** The highest multiplier of the promotions running at that instant for the channel (they do not stack). */
  multiplier(channel: string, at: number): Big {
    let best = new Big(1);
    for (const p of this.rules.promotions) {
      if (at < Date.parse(p.from) || at >= Date.parse(p.to)) continue;
      if (p.channels && !p.channels.includes(channel)) continue;
      const m = new Big(p.multiplier);
      if (m.gt(best)) best = m;
    }
    return best;
  }

  /** Points for a basis; undefined when the currency earns nothing. */
  points(basis: Big, currency: string, multiplier: Big): number | undefined {
    const rate = this.rate(currency);
    if (!rate) return undefined;
    const mode = this.rules.rounding === 'floor' ? Big.roundDown : this.rules.rounding === 'ceil' ? Big.roundUp : Big.roundHalfUp;
    return Number(basis.times(rate).times(multiplier).round(0, mode).toString());
  }

  /** Points a tender of `amount` spends; undefined when points have no value in that currency. */
  redemptionPoints(amount: string, currency: string): number | undefined {
    const value = this.rules.pointValue[currency];
    if (!value || new Big(value).eq(0)) return undefined;
    return Number(new Big(amount).div(value).round(0, Big.roundUp).toString());
  }
}

/** Reads LOYALTY_RULES (JSON); every problem is named. */
export function parseRules(text: string | undefined): LoyaltyRules {
  if (text === undefined || text.trim() === '') return DEFAULT_RULES;
  return rulesSchema.parse(JSON.parse(text));
}
