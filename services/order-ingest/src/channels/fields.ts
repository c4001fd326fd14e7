/** zod building blocks shared by the channel payload schemas. */
import { isDecimalString, isIsoCurrency } from '@retail-backbone/contracts';
import { z } from 'zod';

/** A channel id: digits as a JSON number or string (long ones arrive as strings), or an opaque string. */
export const channelIdField = z.union([z.number().int().nonnegative(), z.string().min(1).max(255)]).transform(String);

export const decimalField = z
  .union([z.string(), z.number()])
  .transform(String)
  .refine((value) => isDecimalString(value), { message: 'must be a decimal amount like "19.99" (at most 6 fraction digits)' });

export const nonNegativeDecimal = decimalField.refine((value) => !value.startsWith('-'), { message: 'must not be negative' });

export const currencyField = z
  .string()
  .transform((code) => code.toUpperCase())
  .refine((code) => isIsoCurrency(code), { message: 'is not a known ISO-4217 currency code' });

export const quantityField = z.number().int('must be a whole number').positive('must be greater than 0').max(1_000_000);

/** Timestamps with an explicit offset (Shopify, POS) → epoch ms. */
export const instantField = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time with offset' }).transform((value) => Date.parse(value));

export const optionalText = z.string().nullish().transform((value) => (value ? value : null));

export const countryCodeField = z
  .string()
  .transform((code) => code.toUpperCase())
  .refine((code) => /^[A-Z]{2}$/.test(code), { message: 'must be an ISO-3166-1 alpha-2 country code' });
