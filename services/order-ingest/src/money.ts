import Big from 'big.js';
import type { Money } from '@retail-backbone/contracts';

/** Normalises a decimal (string or exact JSON number) to the canonical decimal string. */
export function decimal(value: string | number | Big): string {
  return new Big(value).toFixed();
}

export function money(amount: string | number | Big, currency: string): Money {
  return { amount: decimal(amount), currency };
}

export function sum(values: ReadonlyArray<string | number | Big>): Big {
  return values.reduce<Big>((total, value) => total.plus(value), new Big(0));
}

/** Fraction digits of a currency per ICU (USD 2, JPY 0, BHD 3), used for minor-unit amounts. */
export function fractionDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** An integer amount in minor units (Stripe's convention) as a decimal string. */
export function fromMinorUnits(minor: number | string, currency: string): string {
  return new Big(minor).div(new Big(10).pow(fractionDigits(currency))).toFixed();
}
