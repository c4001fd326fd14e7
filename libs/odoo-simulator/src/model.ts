import type { Database, Row } from './database';

export type FieldType =
  | 'char'
  | 'text'
  | 'selection'
  | 'date'
  | 'datetime'
  | 'integer'
  | 'float'
  | 'boolean'
  | 'many2one'
  | 'one2many'
  | 'many2many';

export interface FieldDef {
  type: FieldType;
  string: string;
  required?: boolean;
  default?: unknown | ((env: Env) => unknown);
  /** Target model of relational fields. */
  relation?: string;
  /** many2one field on `relation` that points back (one2many only). */
  inverse?: string;
  /** What deleting the target does to a many2one (required fields default to restrict). */
  ondelete?: 'cascade' | 'set null' | 'restrict';
  selection?: readonly string[];
  /** Non-stored computed field: read-only, evaluated at read and search time. */
  compute?: (env: Env, row: Row) => unknown;
  /** Makes a computed field writable (Odoo's `inverse=` method): called with the coerced value after insert/update. */
  setter?: (env: Env, id: number, value: unknown) => void;
}

export interface MethodDef {
  /** 'model' methods take no record ids (Odoo's @api.model); 'records' ones get ids as args[0]. */
  api: 'model' | 'records';
  /** Python parameter names, in order, for binding positional args of execute_kw. */
  params: readonly string[];
  run(env: Env, ids: number[], kwargs: Record<string, unknown>): unknown;
  /** How many records the call touched, for the capacity model. */
  records?(ids: number[], kwargs: Record<string, unknown>, result: unknown): number;
}

export interface ModelDef {
  name: string;
  description: string;
  order?: string;
  fields: Record<string, FieldDef>;
  /**
   * Odoo's `_inherits` (delegation): parent model → many2one on this model. The parent's fields
   * read, search and write through that link; create makes the parent record first.
   */
  inherits?: Record<string, string>;
  displayName(env: Env, row: Row): string;
  /** Fill values that depend on other values (sequences, related defaults) before insert. */
  prepareCreate?(env: Env, vals: Record<string, unknown>): void;
  /** Replace the insert entirely (e.g. stock.quant merges into an existing quant); returns the id. */
  overrideCreate?(env: Env, vals: Record<string, unknown>): number | undefined;
  afterCreate?(env: Env, id: number): void;
  beforeWrite?(env: Env, ids: number[], vals: Record<string, unknown>): void;
  beforeUnlink?(env: Env, ids: number[]): void;
  /** Python constraints (@api.constrains): throw a ValidationError. */
  check?(env: Env, id: number): void;
  methods?: Record<string, MethodDef>;
}

export interface Env {
  db: Database;
  models: Map<string, ModelDef>;
  uid: number;
  context: Record<string, unknown>;
  now(): Date;
}

export function formatDatetime(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

export function formatDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export const round2 = (n: number) => Math.round(n * 100) / 100;
