import type { ModelDef } from '../model';
import { validationError } from '../odoo-exceptions';

/** External identifiers: (module, name) is unique, which makes them usable as idempotency keys. */
export const irModelData: ModelDef = {
  name: 'ir.model.data',
  description: 'Model Data',
  order: 'module, model, name',
  fields: {
    module: { type: 'char', string: 'Module', required: true },
    name: { type: 'char', string: 'External Identifier', required: true },
    model: { type: 'char', string: 'Model Name', required: true },
    res_id: { type: 'integer', string: 'Record ID' },
    noupdate: { type: 'boolean', string: 'Non Updatable', default: false },
    complete_name: {
      type: 'char',
      string: 'Complete ID',
      compute: (_env, row) => `${String(row.module)}.${String(row.name)}`,
    },
  },
  displayName: (_env, row) => `${String(row.module)}.${String(row.name)}`,
  check(env, id) {
    const row = env.db.get('ir.model.data', id)!;
    if (String(row.name).includes(' ')) throw validationError('External IDs cannot contain spaces');
    const duplicate = [...env.db.table('ir.model.data').values()].some(
      (other) => other.id !== id && other.module === row.module && other.name === row.name,
    );
    if (duplicate) {
      // an IntegrityError on the unique index, converted by the RPC layer into a ValidationError
      throw validationError(
        'The operation cannot be completed: duplicate key value violates unique constraint ' +
          `"ir_model_data_module_name_uniq_index"\nDETAIL:  Key (module, name)=(${String(row.module)}, ${String(row.name)}) already exists.`,
      );
    }
  },
};
