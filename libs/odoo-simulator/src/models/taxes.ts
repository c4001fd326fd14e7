import { fieldValue } from '../orm';
import type { Env } from '../model';

export interface LineAmounts {
  subtotal: number;
  tax: number;
  total: number;
}

const roundTo = (n: number, rounding: number) => Math.round(n / rounding) * rounding;

/**
 * One line's amounts the way account.tax computes them for percent taxes with the company's default
 * "round per line": a price-included tax is taken out of the discounted price, an excluded one is
 * added to it; both rounded to the currency once per line.
 */
export function lineAmounts(env: Env, priceUnit: number, quantity: number, discount: number, taxIds: number[], currencyId: number): LineAmounts {
  const rounding = (env.db.get('res.currency', currencyId)?.rounding as number | undefined) ?? 0.01;
  const round = (n: number) => Number(roundTo(n, rounding).toFixed(6));
  const gross = priceUnit * (1 - (discount || 0) / 100) * quantity;
  const taxes = taxIds.map((id) => env.db.get('account.tax', id)).filter((t) => t && t.amount_type === 'percent');
  const included = taxes.filter((t) => fieldValue(env, 'account.tax', t!, 'price_include') === true);
  const excluded = taxes.filter((t) => fieldValue(env, 'account.tax', t!, 'price_include') !== true);
  const includedRate = included.reduce((s, t) => s + (t!.amount as number) / 100, 0);
  const base = gross / (1 + includedRate);
  const includedTax = gross - base;
  const excludedTax = excluded.reduce((s, t) => s + base * ((t!.amount as number) / 100), 0);
  const subtotal = round(base);
  const tax = round(includedTax + excludedTax);
  return { subtotal, tax, total: round(subtotal + tax) };
}
