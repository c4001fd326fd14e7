import type { OrderLine, OrderPlaced } from '@retail-backbone/contracts';
import type { OdooValues } from '@retail-backbone/odoo-client';
import Big from 'big.js';
import { BusinessError } from '../odoo/failures';
import { companyFor, type AccountingConfig, type CompanyMapping, type TaxMapping } from './accounting-config';

/** Fraction digits of a currency per ICU (USD 2, JPY 0, BHD 3): the channel's and Odoo's rounding unit. */
export function fractionDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** One order line as it will be sent, with the accounting names still to be turned into ids. */
export interface PlannedLine {
  kind: 'product' | 'line_discount' | 'order_discount' | 'delivery';
  /** product.product default_code: the order line's SKU or the configured service product. */
  sku: string;
  name: string;
  quantity: number;
  priceUnit: Big;
  /** Odoo's `discount`, a percentage with two decimals (decimal precision "Discount"). */
  discountPercent: number;
  /** Names of the account.tax records (from the tax table). */
  taxes: string[];
}

/** What the writer sends for an order's money, before ids are known. */
export interface MoneyPlan {
  company: CompanyMapping;
  pricelist: string;
  currency: string;
  lines: PlannedLine[];
  /** What the customer pays according to the channel: Odoo's amount_total must end equal to it. */
  channelTotal: Big;
  tolerance: Big;
}

const ZERO = new Big(0);

/**
 * The tax of the table that yields the channel's tax on `amount` (tax-included or not) to within
 * one minor unit: channels give tax amounts, rarely rates, and round per line like Odoo does.
 * Several candidates: the closest wins.
 */
function matchTax(candidates: TaxMapping[], amount: Big, tax: Big, included: boolean, digits: number): TaxMapping | undefined {
  const unit = new Big(1).div(new Big(10).pow(digits));
  let best: { mapping: TaxMapping; error: Big } | undefined;
  for (const mapping of candidates) {
    const rate = new Big(mapping.rate);
    const expected = (included ? amount.times(rate).div(rate.plus(100)) : amount.times(rate).div(100)).round(digits);
    const error = expected.minus(tax).abs();
    if (error.gt(unit)) continue;
    if (!best || error.lt(best.error)) best = { mapping, error };
  }
  return best?.mapping;
}

function taxesFor(
  what: string,
  amount: Big,
  tax: Big,
  ctx: { candidates: TaxMapping[]; included: boolean; digits: number; country: string },
): string[] {
  if (tax.eq(0)) return [];
  const found = matchTax(ctx.candidates, amount, tax, ctx.included, ctx.digits);
  if (found) return [found.tax];
  const base = ctx.included ? amount.minus(tax) : amount;
  const rate = base.gt(0) ? tax.div(base).times(100).round(2).toFixed() : '?';
  throw new BusinessError(
    'tax_unmapped',
    `${what}: no account.tax in ODOO_ACCOUNTING.taxes for about ${rate}% (${ctx.country}, ${ctx.included ? 'included in price' : 'excluded from price'}) yielding ${tax.toFixed(ctx.digits)} on ${amount.toFixed(ctx.digits)}`,
  );
}

/**
 * The line's discount as Odoo's percentage when two decimals reproduce the channel's amount to the
 * cent, else undefined (the amount then goes on a discount line of its own, so nothing is lost).
 */
function exactPercent(gross: Big, discount: Big, digits: number): number | undefined {
  if (discount.eq(0)) return 0;
  if (gross.eq(0)) return undefined;
  const percent = discount.div(gross).times(100).round(2);
  return gross.times(percent).div(100).round(digits).eq(discount) ? Number(percent) : undefined;
}

/**
 * Turns the channel's money into Odoo order lines: one line per channel line at the channel's unit
 * price, its discount as a percentage when exact or else as a discount line with the same taxes,
 * the part of the order's discounts not allocated to lines as discount lines per tax group (in
 * proportion, like Odoo's own discount wizard), shipping as a line of the delivery product taxed
 * with what remains of the channel's tax. Throws a BusinessError naming what is not mapped or does
 * not add up; the rounding line, if any, is added once Odoo has computed its total.
 */
export function planOrderMoney(order: OrderPlaced, config: AccountingConfig): MoneyPlan {
  const company = companyFor(config, order.channel, order.channelId);
  if (!company) throw new BusinessError('company_unmapped', `no company in ODOO_ACCOUNTING.companies for channel ${order.channel} (${order.channelId})`);
  const pricelist = config.pricelists[order.currency];
  if (!pricelist) throw new BusinessError('currency_unmapped', `no pricelist in ODOO_ACCOUNTING.pricelists for currency ${order.currency}`);
  const digits = fractionDigits(order.currency);
  const included = order.taxesIncluded === true;
  const country = order.shippingAddress?.countryCode ?? order.billingAddress?.countryCode ?? company.country;
  const ctx = { candidates: config.taxes.filter((t) => t.country === country && t.included === included), included, digits, country };
  for (const m of [...order.lines.flatMap((l) => [l.unitPrice, l.discount, l.tax]), ...Object.values(order.totals)]) {
    if (m.currency !== order.currency) throw new BusinessError('validation_error', `an amount in ${m.currency} on an order in ${order.currency}`);
  }

  const lines: PlannedLine[] = [];
  const groups = new Map<string, { taxes: string[]; amount: Big }>();
  const addToGroup = (taxes: string[], amount: Big) => {
    const key = taxes.join('\u0000');
    const group = groups.get(key) ?? { taxes, amount: ZERO };
    groups.set(key, { taxes, amount: group.amount.plus(amount) });
  };
  let lineTax = ZERO;
  let lineDiscounts = ZERO;
  for (const line of order.lines) {
    const planned = productLines(line, digits, ctx, config.products.discount);
    lines.push(...planned.lines);
    addToGroup(planned.taxes, planned.amount);
    lineTax = lineTax.plus(line.tax.amount);
    lineDiscounts = lineDiscounts.plus(line.discount.amount);
  }

  // Discounts the channel did not allocate to lines (Shopify's order-level total_discounts).
  const unallocated = new Big(order.totals.discounts.amount).minus(lineDiscounts);
  if (unallocated.gt(0)) {
    const base = [...groups.values()].reduce((s, g) => s.plus(g.amount), ZERO);
    let left = unallocated;
    const entries = [...groups.values()].filter((g) => g.amount.gt(0));
    entries.forEach((group, i) => {
      const share = i === entries.length - 1 ? left : unallocated.times(group.amount).div(base).round(digits);
      left = left.minus(share);
      if (share.eq(0)) return;
      lines.push({ kind: 'order_discount', sku: config.products.discount, name: 'Order discount', quantity: 1, priceUnit: share.neg(), discountPercent: 0, taxes: group.taxes });
    });
  }

  const shipping = new Big(order.totals.shipping.amount);
  if (shipping.gt(0)) {
    const shippingTax = new Big(order.totals.tax.amount).minus(lineTax);
    const taxes = shippingTax.gt(0) ? taxesFor('shipping', shipping, shippingTax, ctx) : [];
    lines.push({ kind: 'delivery', sku: config.products.delivery, name: order.shippingMethod ?? 'Shipping', quantity: 1, priceUnit: shipping, discountPercent: 0, taxes });
  }

  const channelTotal = new Big(order.totals.grandTotal.amount);
  const tolerance = new Big(config.roundingTolerance);
  // The channel's own figures must add up before anything is written: lines, order discount,
  // shipping and (when prices exclude it) tax against the total the customer pays.
  const gross = order.lines.reduce((s, l) => s.plus(new Big(l.unitPrice.amount).times(l.quantity)), ZERO);
  const computed = gross.minus(order.totals.discounts.amount).plus(shipping).plus(included ? 0 : order.totals.tax.amount);
  if (computed.minus(channelTotal).abs().gt(tolerance)) {
    throw new BusinessError(
      'total_mismatch',
      `the channel's figures do not add up: lines ${gross.toFixed(digits)} - discounts ${order.totals.discounts.amount} + shipping ${shipping.toFixed(digits)}${included ? '' : ` + tax ${order.totals.tax.amount}`} = ${computed.toFixed(digits)}, total ${channelTotal.toFixed(digits)} ${order.currency}`,
    );
  }
  return { company, pricelist, currency: order.currency, lines, channelTotal, tolerance };
}

function productLines(line: OrderLine, digits: number, ctx: Parameters<typeof taxesFor>[3], discountSku: string): { lines: PlannedLine[]; taxes: string[]; amount: Big } {
  const unit = new Big(line.unitPrice.amount);
  const gross = unit.times(line.quantity);
  const discount = new Big(line.discount.amount);
  const amount = gross.minus(discount);
  const taxes = taxesFor(`line ${line.lineId} (${line.sku})`, amount, new Big(line.tax.amount), ctx);
  const percent = exactPercent(gross, discount, digits);
  const product: PlannedLine = { kind: 'product', sku: line.sku, name: line.name, quantity: line.quantity, priceUnit: unit, discountPercent: percent ?? 0, taxes };
  if (percent !== undefined) return { lines: [product], taxes, amount };
  const onLine: PlannedLine = { kind: 'line_discount', sku: discountSku, name: `Discount on ${line.name}`, quantity: 1, priceUnit: discount.neg(), discountPercent: 0, taxes };
  return { lines: [product, onLine], taxes, amount };
}

/** Ids the plan needs, resolved in Odoo. */
export interface MoneyIds {
  companyId: number;
  pricelistId: number;
  taxIds: Map<string, number>;
  productIds: Map<string, number>;
}

/** The sale order values of a plan: company, pricelist and the lines with their taxes set explicitly. */
export function moneyValues(plan: MoneyPlan, ids: MoneyIds, config: AccountingConfig): { header: OdooValues; lines: OdooValues[] } {
  const lines = plan.lines.map((line): OdooValues => {
    return {
      product_id: ids.productIds.get(line.sku)!,
      name: line.name,
      product_uom_qty: line.quantity,
      price_unit: Number(line.priceUnit),
      discount: line.discountPercent,
      // Always given, even empty: otherwise Odoo puts the product's default taxes on the line.
      [config.lineTaxField]: [[6, 0, line.taxes.map((t) => ids.taxIds.get(t)!)]],
    };
  });
  return { header: { company_id: ids.companyId, pricelist_id: ids.pricelistId }, lines };
}

/** The rounding line bringing Odoo's total to the channel's, or why it cannot. */
export function roundingCorrection(plan: MoneyPlan, odooTotal: number): Big | BusinessError {
  const digits = fractionDigits(plan.currency);
  const difference = plan.channelTotal.minus(new Big(odooTotal).round(digits));
  if (difference.abs().gt(plan.tolerance)) {
    return new BusinessError(
      'total_mismatch',
      `Odoo's total ${new Big(odooTotal).toFixed(digits)} differs from the channel's ${plan.channelTotal.toFixed(digits)} ${plan.currency} by more than ${plan.tolerance.toFixed()} (check the tax table)`,
    );
  }
  return difference;
}
