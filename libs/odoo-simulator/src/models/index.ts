import type { ModelDef } from '../model';
import { genericMethods } from '../methods';
import { accountMove, accountMoveLine } from './account';
import { productProduct, resCountry, resPartner, stockLocation } from './base';
import { irModelData } from './ir-model-data';
import { saleOrder, saleOrderLine } from './sale';
import { stockMove, stockPicking, stockQuant } from './stock';

const ALL: ModelDef[] = [
  resCountry,
  resPartner,
  productProduct,
  stockLocation,
  saleOrder,
  saleOrderLine,
  stockPicking,
  stockMove,
  stockQuant,
  accountMove,
  accountMoveLine,
  irModelData,
];

/** The registry: each model with the generic ORM methods plus its own actions. */
export function buildRegistry(): Map<string, ModelDef> {
  return new Map(
    ALL.map((def) => [def.name, { ...def, methods: { ...genericMethods(def.name), ...def.methods } }]),
  );
}
