import { ConfigError, z } from '@retail-backbone/observability';

const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal string such as "7.5"');
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code in upper case');
const country = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO-3166 alpha-2 code in upper case');
const name = z.string().min(1);

/**
 * How the money of an order is written to Odoo (`ODOO_ACCOUNTING`, JSON). Odoo records are named
 * here by what an administrator sees (names, product internal references) and resolved to ids in
 * Odoo when first needed; the table itself is checked when the service starts.
 */
const accountingSchema = z
  .object({
    /** Company (and its country, for taxes) by channel kind, optionally narrowed to one channel instance. */
    companies: z
      .array(z.object({ channel: name, channelId: name.optional(), company: name, country }).strict())
      .min(1, 'at least one company mapping is needed'),
    /** Pricelist per order currency: the sale order's currency is its pricelist's. */
    pricelists: z.record(currency, name),
    /** Sales taxes by country, rate (percent) and whether prices include them. */
    taxes: z.array(z.object({ country, rate: decimal, included: z.boolean(), tax: name }).strict()).default([]),
    /** Internal references (`default_code`) of the service products of the extra lines. */
    products: z.object({ delivery: name, discount: name, rounding: name }).strict(),
    /** Largest difference to the channel's total absorbed by a rounding line; more parks the order. */
    roundingTolerance: decimal.default('0.05'),
    /**
     * When a channel's orders are invoiced: `confirmation` (the invoice is created and posted with
     * the confirmation), `delivery` (with the shipment that leaves nothing to deliver), `none` (not
     * by the writer). Channels not listed: `none`.
     */
    invoicing: z.record(name, z.enum(['confirmation', 'delivery', 'none'])).default({}),
    /** The order line's taxes field: `tax_ids` in Odoo 19, `tax_id` in 17/18. */
    lineTaxField: z.enum(['tax_ids', 'tax_id']).default('tax_ids'),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.companies.forEach((m, i) => {
      const key = `${m.channel}|${m.channelId ?? ''}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['companies', i], message: `a second mapping for channel ${key.replace(/\|$/, '')}` });
      seen.add(key);
    });
    const taxes = new Set<string>();
    c.taxes.forEach((t, i) => {
      const key = `${t.country}|${Number(t.rate)}|${t.included}`;
      if (taxes.has(key)) ctx.addIssue({ code: 'custom', path: ['taxes', i], message: `a second tax for ${t.country} ${t.rate}% (${t.included ? 'included' : 'excluded'})` });
      taxes.add(key);
    });
  });

export type AccountingConfig = z.infer<typeof accountingSchema>;
export type TaxMapping = AccountingConfig['taxes'][number];
export type CompanyMapping = AccountingConfig['companies'][number];

/**
 * Parses `ODOO_ACCOUNTING`; undefined when unset (orders are then written without taxes, shipping,
 * currency or company, as before this table existed). Every bad entry is named in one ConfigError.
 */
export function parseAccounting(raw: string | undefined): AccountingConfig | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new ConfigError([`ODOO_ACCOUNTING: not JSON (${(error as Error).message})`]);
  }
  const parsed = accountingSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `ODOO_ACCOUNTING${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${issue.message}`));
  }
  return parsed.data;
}

/** The company of an order's channel: the instance's own mapping, else the channel kind's. */
export function companyFor(config: AccountingConfig, channel: string, channelId: string): CompanyMapping | undefined {
  return config.companies.find((m) => m.channel === channel && m.channelId === channelId) ?? config.companies.find((m) => m.channel === channel && !m.channelId);
}
