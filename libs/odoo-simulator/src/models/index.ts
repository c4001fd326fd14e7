import type { FieldDef, ModelDef } from '../model';
import { genericMethods } from '../methods';
import { accountMove, accountMoveLine } from './account';
import { resCountry, resPartner, stockLocation } from './base';
import { accountTax, productPricelist, resCompany, resCurrency, resUsers } from './company';
import { productProduct, productTemplate } from './product';
import { irModelData } from './ir-model-data';
import { accountPayment, accountPaymentRegister, saleAdvancePaymentInv } from './invoicing';
import { mailActivity, mailActivityType } from './mail';
import { saleOrder, saleOrderCancel, saleOrderLine } from './sale';
import { stockBackorderConfirmation, stockMove, stockPicking, stockQuant } from './stock';

const ALL: ModelDef[] = [
  resUsers,
  resCurrency,
  resCompany,
  productPricelist,
  accountTax,
  resCountry,
  resPartner,
  productTemplate,
  productProduct,
  stockLocation,
  saleOrder,
  saleOrderLine,
  saleOrderCancel,
  stockPicking,
  stockMove,
  stockQuant,
  stockBackorderConfirmation,
  accountMove,
  accountMoveLine,
  irModelData,
  mailActivityType,
  mailActivity,
  saleAdvancePaymentInv,
  accountPayment,
  accountPaymentRegister,
];

/** Odoo's log-access ("magic") columns, on every model; the database stamps them. */
const MAGIC_FIELDS: Record<string, FieldDef> = {
  create_uid: { type: 'many2one', string: 'Created by', relation: 'res.users' },
  create_date: { type: 'datetime', string: 'Created on' },
  write_uid: { type: 'many2one', string: 'Last Updated by', relation: 'res.users' },
  write_date: { type: 'datetime', string: 'Last Updated on' },
};

/** The registry: each model with the magic fields, the generic ORM methods plus its own actions. */
export function buildRegistry(): Map<string, ModelDef> {
  return new Map(
    ALL.map((def) => [
      def.name,
      { ...def, fields: { ...def.fields, ...MAGIC_FIELDS }, methods: { ...genericMethods(def.name), ...def.methods } },
    ]),
  );
}
