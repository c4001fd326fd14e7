import type { Row } from './database';
import { filterRows, type Domain } from './domain';
import type { Env, FieldDef, ModelDef } from './model';
import { missingError, pythonError, validationError } from './odoo-exceptions';

export function modelDef(env: Env, model: string): ModelDef {
  const def = env.models.get(model);
  if (!def) throw pythonError('KeyError', model);
  return def;
}

export interface ResolvedField {
  field: FieldDef;
  /** Set for a field delegated through `_inherits`: the parent model and the link field. */
  parent?: { model: string; link: string };
}

/** A field of the model or, through `_inherits`, of a parent (own fields win, as in Odoo). */
export function findField(env: Env, def: ModelDef, name: string): ResolvedField | undefined {
  const own = def.fields[name];
  if (own) return { field: own };
  for (const [parentModel, link] of Object.entries(def.inherits ?? {})) {
    const found = findField(env, modelDef(env, parentModel), name);
    if (found) return { field: found.field, parent: { model: parentModel, link } };
  }
  return undefined;
}

function resolveField(env: Env, def: ModelDef, name: string): ResolvedField {
  const found = findField(env, def, name);
  if (!found) throw pythonError('ValueError', `Invalid field '${name}' on model '${def.name}'`);
  return found;
}

/** Every field name readable on the model: own, magic and inherited ones. */
export function allFieldNames(env: Env, def: ModelDef): string[] {
  const names = new Set(Object.keys(def.fields));
  for (const parentModel of Object.keys(def.inherits ?? {})) {
    for (const n of allFieldNames(env, modelDef(env, parentModel))) names.add(n);
  }
  return [...names];
}

export function rowOf(env: Env, model: string, id: number): Row {
  const row = env.db.get(model, id);
  if (!row) throw missingError(model, [id], env.uid);
  return row;
}

export function existing(env: Env, model: string, ids: number[]): number[] {
  const missing = ids.filter((id) => !env.db.get(model, id));
  if (missing.length) throw missingError(model, missing, env.uid);
  return ids;
}

/** Raw value of a field: many2one → id|false, x2many → ids, computed fields evaluated. */
export function fieldValue(env: Env, model: string, row: Row, name: string): unknown {
  if (name === 'id') return row.id;
  const def = modelDef(env, model);
  if (name === 'display_name') return def.displayName(env, row);
  const { field, parent } = resolveField(env, def, name);
  if (parent) {
    const parentRow = env.db.get(parent.model, row[parent.link] as number);
    return parentRow ? fieldValue(env, parent.model, parentRow, name) : false;
  }
  if (field.compute) return field.compute(env, row);
  if (field.type === 'one2many') {
    return [...env.db.table(field.relation!).values()]
      .filter((child) => child[field.inverse!] === row.id)
      .map((child) => child.id);
  }
  const value = row[name];
  if (field.type === 'many2many') return Array.isArray(value) ? value : [];
  return value ?? false;
}

export function displayName(env: Env, model: string, id: number): string {
  return modelDef(env, model).displayName(env, rowOf(env, model, id));
}

/** The value as read() returns it over RPC. */
function exportValue(env: Env, model: string, row: Row, name: string): unknown {
  const value = fieldValue(env, model, row, name);
  if (name === 'id' || name === 'display_name') return value;
  const { field } = resolveField(env, modelDef(env, model), name);
  if (field.type === 'many2one') {
    return typeof value === 'number' ? [value, displayName(env, field.relation!, value)] : false;
  }
  if (value === '' || value === null || value === undefined) return false;
  return value;
}

export function read(env: Env, model: string, ids: number[], fields?: string[] | null): Record<string, unknown>[] {
  const def = modelDef(env, model);
  const names = fields && fields.length ? fields : allFieldNames(env, def);
  for (const n of names) if (n !== 'id' && n !== 'display_name') resolveField(env, def, n);
  return existing(env, model, ids).map((id) => {
    const row = rowOf(env, model, id);
    const out: Record<string, unknown> = { id };
    for (const n of names) out[n] = exportValue(env, model, row, n);
    return out;
  });
}

export interface SearchOptions {
  offset?: number;
  limit?: number | null;
  order?: string | null;
}

export function search(env: Env, model: string, domain: Domain, opts: SearchOptions = {}): number[] {
  const def = modelDef(env, model);
  let effective = domain;
  const mentionsActive = JSON.stringify(domain).includes('"active"');
  if (def.fields.active && env.context.active_test !== false && !mentionsActive) {
    effective = [...domain, ['active', '=', true]];
  }
  const rows = filterRows(env, model, [...env.db.table(model).values()], effective);
  sortRows(env, model, rows, opts.order || def.order || 'id');
  const offset = opts.offset ?? 0;
  const end = opts.limit ? offset + opts.limit : undefined;
  return rows.slice(offset, end).map((r) => r.id);
}

function sortRows(env: Env, model: string, rows: Row[], order: string): void {
  const keys = order.split(',').map((part) => {
    const [name, dir] = part.trim().split(/\s+/);
    if (!name || !/^[a-z_][a-z0-9_]*$/.test(name)) throw pythonError('ValueError', `Invalid "order" specified (${order}).`);
    if (name !== 'id') resolveField(env, modelDef(env, model), name);
    return { name, desc: (dir ?? 'asc').toLowerCase() === 'desc' };
  });
  const comparable = (v: unknown) => (v === false || v === undefined || v === null ? null : v);
  rows.sort((a, b) => {
    for (const { name, desc } of keys) {
      const va = comparable(fieldValue(env, model, a, name));
      const vb = comparable(fieldValue(env, model, b, name));
      if (va === vb) continue;
      // PostgreSQL sorts NULLs last in ascending order and first in descending order.
      const cmp = va === null ? 1 : vb === null ? -1 : (va as number | string) < (vb as number | string) ? -1 : 1;
      return desc ? -cmp : cmp;
    }
    return 0;
  });
}

function coerce(env: Env, def: ModelDef, name: string, value: unknown): unknown {
  const { field } = resolveField(env, def, name);
  if (field.compute && !field.setter) throw pythonError('ValueError', `Field '${name}' on model '${def.name}' is computed and read-only`);
  if (value === null || value === false) {
    return field.type === 'boolean' ? false : field.type === 'many2many' ? [] : false;
  }
  const wrong = () => pythonError('ValueError', `Wrong value for ${def.name}.${name}: ${JSON.stringify(value)}`);
  switch (field.type) {
    case 'char':
    case 'text':
    case 'date':
    case 'datetime':
      if (typeof value !== 'string') throw wrong();
      return value;
    case 'selection':
      if (typeof value !== 'string' || !field.selection!.includes(value)) throw wrong();
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrong();
      return value;
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw wrong();
      return value;
    case 'boolean':
      return Boolean(value);
    case 'many2one': {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrong();
      if (!env.db.get(field.relation!, value)) {
        throw validationError(
          `The operation cannot be completed: the record ${field.relation}(${value}) referenced by ` +
            `${field.string} (${name}) on ${def.description} (${def.name}) does not exist.`,
        );
      }
      return value;
    }
    default:
      throw wrong();
  }
}

function missingRequired(def: ModelDef, name: string) {
  return validationError(
    'The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n' +
      '- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n' +
      `Model: ${def.description} (${def.name})\nField: ${def.fields[name]!.string} (${name})`,
  );
}

type Command = [number, number, unknown];

function parseCommands(def: ModelDef, name: string, value: unknown): Command[] {
  if (!Array.isArray(value)) throw pythonError('ValueError', `Wrong value for ${def.name}.${name}: ${JSON.stringify(value)}`);
  if (value.every((v) => typeof v === 'number')) return [[6, 0, value]];
  return value.map((cmd) => {
    if (!Array.isArray(cmd) || typeof cmd[0] !== 'number' || cmd[0] < 0 || cmd[0] > 6) {
      throw pythonError('ValueError', `Invalid x2many command on ${def.name}.${name}: ${JSON.stringify(cmd)}`);
    }
    return [cmd[0], Number(cmd[1] ?? 0), cmd[2]] as Command;
  });
}

function applyX2many(env: Env, def: ModelDef, id: number, name: string, value: unknown): void {
  const field = def.fields[name]!;
  const target = field.relation!;
  const isO2m = field.type === 'one2many';
  const row = rowOf(env, def.name, id);
  const current = () => fieldValue(env, def.name, row, name) as number[];
  const setM2m = (ids: number[]) => env.db.update(def.name, id, { [name]: [...new Set(ids)] });
  const detach = (childId: number) => {
    if (!isO2m) return setM2m(current().filter((c) => c !== childId));
    const inverse = modelDef(env, target).fields[field.inverse!]!;
    if (inverse.required || inverse.ondelete === 'cascade') unlink(env, target, [childId]);
    else write(env, target, [childId], { [field.inverse!]: false });
  };
  const attach = (childId: number) => {
    existing(env, target, [childId]);
    if (isO2m) write(env, target, [childId], { [field.inverse!]: id });
    else setM2m([...current(), childId]);
  };
  for (const [code, ref, vals] of parseCommands(def, name, value)) {
    switch (code) {
      case 0: {
        const childVals = { ...(vals as Record<string, unknown>) };
        if (isO2m) childVals[field.inverse!] = id;
        const [childId] = create(env, target, [childVals]);
        if (!isO2m) setM2m([...current(), childId!]);
        break;
      }
      case 1:
        write(env, target, [ref], vals as Record<string, unknown>);
        break;
      case 2:
        unlink(env, target, [ref]);
        break;
      case 3:
        detach(ref);
        break;
      case 4:
        attach(ref);
        break;
      case 5:
        for (const childId of current()) detach(childId);
        break;
      case 6: {
        const wanted = (vals as number[]) ?? [];
        for (const childId of current()) if (!wanted.includes(childId)) detach(childId);
        for (const childId of wanted) if (!current().includes(childId)) attach(childId);
        break;
      }
    }
  }
}

function splitVals(env: Env, def: ModelDef, vals: Record<string, unknown>) {
  const scalar: Record<string, unknown> = {};
  const x2many: Array<[string, unknown]> = [];
  const inverses: Array<[FieldDef, unknown]> = [];
  const parents = new Map<string, Record<string, unknown>>();
  for (const [name, value] of Object.entries(vals)) {
    const { field, parent } = resolveField(env, def, name);
    if (parent) {
      const forParent = parents.get(parent.model) ?? {};
      forParent[name] = value;
      parents.set(parent.model, forParent);
    } else if ((field.type === 'one2many' || field.type === 'many2many') && !field.compute) x2many.push([name, value]);
    else if (field.compute) inverses.push([field, coerce(env, def, name, value)]);
    else scalar[name] = coerce(env, def, name, value);
  }
  return { scalar, x2many, inverses, parents };
}

export function create(env: Env, model: string, valsList: Record<string, unknown>[]): number[] {
  const def = modelDef(env, model);
  return valsList.map((input) => {
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      throw pythonError('ValueError', `create() expects dictionaries of values, got ${JSON.stringify(input)}`);
    }
    const vals: Record<string, unknown> = { ...input };
    for (const [name, field] of Object.entries(def.fields)) {
      if (name in vals || field.default === undefined) continue;
      vals[name] = typeof field.default === 'function' ? (field.default as (e: Env) => unknown)(env) : field.default;
    }
    def.prepareCreate?.(env, vals);
    const overridden = def.overrideCreate?.(env, vals);
    if (overridden !== undefined) return overridden;
    const { scalar, x2many, inverses, parents } = splitVals(env, def, vals);
    // _inherits: the parent record is created first from the parent's fields, unless linked
    for (const [parentModel, link] of Object.entries(def.inherits ?? {})) {
      if (typeof scalar[link] === 'number') {
        if (parents.has(parentModel)) write(env, parentModel, [scalar[link] as number], parents.get(parentModel)!);
        continue;
      }
      scalar[link] = create(env, parentModel, [parents.get(parentModel) ?? {}])[0];
    }
    for (const [name, field] of Object.entries(def.fields)) {
      if (field.required && (scalar[name] === undefined || scalar[name] === false || scalar[name] === '')) {
        if (field.type !== 'boolean') throw missingRequired(def, name);
      }
    }
    const id = env.db.insert(model, scalar);
    for (const [name, value] of x2many) applyX2many(env, def, id, name, value);
    for (const [field, value] of inverses) field.setter!(env, id, value);
    def.afterCreate?.(env, id);
    def.check?.(env, id);
    return id;
  });
}

export function write(env: Env, model: string, ids: number[], input: Record<string, unknown>): true {
  const def = modelDef(env, model);
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw pythonError('ValueError', `write() expects a dictionary of values, got ${JSON.stringify(input)}`);
  }
  existing(env, model, ids);
  const vals = { ...input };
  def.beforeWrite?.(env, ids, vals);
  const { scalar, x2many, inverses, parents } = splitVals(env, def, vals);
  for (const [name, value] of Object.entries(scalar)) {
    if (def.fields[name]!.required && (value === false || value === '')) throw missingRequired(def, name);
  }
  for (const id of ids) {
    env.db.update(model, id, scalar);
    for (const [parentModel, parentVals] of parents) {
      const link = def.inherits![parentModel]!;
      write(env, parentModel, [rowOf(env, model, id)[link] as number], parentVals);
    }
    for (const [name, value] of x2many) applyX2many(env, def, id, name, value);
    for (const [field, value] of inverses) field.setter!(env, id, value);
    def.check?.(env, id);
  }
  return true;
}

export function unlink(env: Env, model: string, ids: number[]): true {
  const def = modelDef(env, model);
  const live = ids.filter((id) => env.db.get(model, id));
  def.beforeUnlink?.(env, live);
  for (const id of live) {
    if (!env.db.get(model, id)) continue;
    env.db.remove(model, id);
    for (const other of env.models.values()) {
      for (const [name, field] of Object.entries(other.fields)) {
        if (field.type !== 'many2one' || field.relation !== model || field.compute) continue;
        const refs = [...env.db.table(other.name).values()].filter((r) => r[name] === id).map((r) => r.id);
        if (!refs.length) continue;
        const mode = field.ondelete ?? (field.required ? 'restrict' : 'set null');
        if (mode === 'cascade') unlink(env, other.name, refs);
        else if (mode === 'set null') for (const ref of refs) env.db.update(other.name, ref, { [name]: false });
        else {
          throw validationError(
            'The operation cannot be completed: another model requires the record being deleted. ' +
              `If possible, archive it instead.\n\nModel: ${other.description} (${other.name}), ` +
              `Constraint: ${other.name.replace(/\./g, '_')}_${name}_fkey`,
          );
        }
      }
    }
  }
  return true;
}
