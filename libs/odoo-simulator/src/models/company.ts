import type { ModelDef } from '../model';

export const resUsers: ModelDef = {
  name: 'res.users',
  description: 'User',
  order: 'name, login',
  fields: {
    name: { type: 'char', string: 'Name', required: true },
    login: { type: 'char', string: 'Login', required: true },
    active: { type: 'boolean', string: 'Active', default: true },
  },
  displayName: (_env, row) => String(row.name),
};

export const resCurrency: ModelDef = {
  name: 'res.currency',
  description: 'Currency',
  order: 'active desc, name',
  fields: {
    name: { type: 'char', string: 'Currency', required: true },
    symbol: { type: 'char', string: 'Symbol', required: true },
    rounding: { type: 'float', string: 'Rounding Factor', default: 0.01 },
    decimal_places: { type: 'integer', string: 'Decimal Places', compute: (_env, row) => Math.max(0, Math.round(-Math.log10(row.rounding as number))) },
    active: { type: 'boolean', string: 'Active', default: true },
  },
  displayName: (_env, row) => String(row.name),
};

export const resCompany: ModelDef = {
  name: 'res.company',
  description: 'Companies',
  order: 'sequence, name',
  fields: {
    name: { type: 'char', string: 'Company Name', required: true },
    sequence: { type: 'integer', string: 'Sequence', default: 10 },
    partner_id: { type: 'many2one', string: 'Partner', relation: 'res.partner', required: true },
    currency_id: { type: 'many2one', string: 'Currency', relation: 'res.currency', required: true },
    account_sale_tax_id: { type: 'many2one', string: 'Default Sale Tax', relation: 'account.tax' },
    account_price_include: {
      type: 'selection',
      string: 'Default Sales Price Include',
      selection: ['tax_included', 'tax_excluded'],
      default: 'tax_excluded',
      required: true,
    },
  },
  displayName: (_env, row) => String(row.name),
};

export const productPricelist: ModelDef = {
  name: 'product.pricelist',
  description: 'Pricelist',
  order: 'sequence, id, name',
  fields: {
    name: { type: 'char', string: 'Pricelist Name', required: true },
    sequence: { type: 'integer', string: 'Sequence', default: 16 },
    currency_id: { type: 'many2one', string: 'Currency', relation: 'res.currency', required: true, default: () => 1 },
    company_id: { type: 'many2one', string: 'Company', relation: 'res.company' },
    active: { type: 'boolean', string: 'Active', default: true },
  },
  displayName: (env, row) => `${String(row.name)} (${String(env.db.get('res.currency', row.currency_id as number)?.name ?? '')})`,
};

export const accountTax: ModelDef = {
  name: 'account.tax',
  description: 'Tax',
  order: 'sequence, id',
  fields: {
    name: { type: 'char', string: 'Tax Name', required: true },
    sequence: { type: 'integer', string: 'Sequence', default: 1 },
    amount: { type: 'float', string: 'Amount', default: 0, required: true },
    amount_type: { type: 'selection', string: 'Tax Computation', selection: ['group', 'fixed', 'percent', 'division'], default: 'percent', required: true },
    type_tax_use: { type: 'selection', string: 'Tax Type', selection: ['sale', 'purchase', 'none'], default: 'sale', required: true },
    price_include_override: { type: 'selection', string: 'Included in Price', selection: ['tax_included', 'tax_excluded'] },
    // 18.0+: computed from the override, else the company's account_price_include (no inverse)
    price_include: {
      type: 'boolean',
      string: 'Included in Price',
      compute: (env, row) => {
        const company = env.db.get('res.company', (row.company_id as number) || 1);
        return (row.price_include_override || company?.account_price_include) === 'tax_included';
      },
    },
    company_id: { type: 'many2one', string: 'Company', relation: 'res.company', required: true, default: () => 1 },
    active: { type: 'boolean', string: 'Active', default: true },
  },
  displayName: (_env, row) => String(row.name),
};
