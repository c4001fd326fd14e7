import Big from 'big.js';
import type { Money } from '@retail-backbone/contracts';

const digitsCache = new Map<string, number>();

/** Fraction digits of a currency per ICU (USD 2, JPY 0, BHD 3), used for minor-unit amounts. */
export function fractionDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    digitsCache.set(currency, digits);
  }
  return digits;
}

/** Canonical decimal string with at least the currency's fraction digits, never losing any given. */
export function money(amount: string | number | Big, currency: string): Money {
  const value = new Big(amount);
  const own = Math.max(0, value.c.length - value.e - 1);
  return { amount: value.toFixed(Math.max(own, fractionDigits(currency))), currency };
}

export function decimal(value: string | number | Big): string {
  return new Big(value).toFixed();
}

export function sum(values: ReadonlyArray<string | number | Big>): Big {
  return values.reduce<Big>((total, value) => total.plus(value), new Big(0));
}

/** An integer amount in minor units (Stripe's convention) as a decimal. */
export function fromMinorUnits(minor: number | string, currency: string): Big {
  return new Big(minor).div(new Big(10).pow(fractionDigits(currency)));
}
