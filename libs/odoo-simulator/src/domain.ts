import type { Row } from './database';
import type { Env } from './model';
import { pythonError } from './odoo-exceptions';
import { fieldValue, findField, modelDef } from './orm';

/** An Odoo domain: prefix-notation '&', '|', '!' operators and [field, operator, value] leaves. */
export type Domain = unknown[];

type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; child: Node }
  | { kind: 'leaf'; path: string; op: string; value: unknown }
  | { kind: 'const'; value: boolean };

const OPERATORS = new Set([
  '=', '!=', '<>', '>', '<', '>=', '<=', 'in', 'not in', 'like', 'not like', 'ilike', 'not ilike', '=like', '=ilike', '=?',
]);

function invalid(domain: Domain): Error {
  return pythonError('ValueError', `Invalid domain ${JSON.stringify(domain)}`);
}

export function parseDomain(domain: unknown): Node {
  if (domain === undefined || domain === null) return { kind: 'const', value: true };
  if (!Array.isArray(domain)) throw pythonError('ValueError', `Invalid domain ${JSON.stringify(domain)}`);
  let pos = 0;
  const next = (): Node => {
    if (pos >= domain.length) throw invalid(domain);
    const item: unknown = domain[pos++];
    if (item === '&' || item === '|') {
      const left = next();
      return { kind: item === '&' ? 'and' : 'or', left, right: next() };
    }
    if (item === '!') return { kind: 'not', child: next() };
    if (!Array.isArray(item) || item.length !== 3) throw invalid(domain);
    const [path, op, value] = item as [unknown, unknown, unknown];
    // Odoo's TRUE_LEAF / FALSE_LEAF
    if (path === 1 && op === '=' && value === 1) return { kind: 'const', value: true };
    if (path === 0 && op === '=' && value === 1) return { kind: 'const', value: false };
    if (typeof path !== 'string' || typeof op !== 'string' || !OPERATORS.has(op.toLowerCase())) throw invalid(domain);
    return { kind: 'leaf', path, op: op.toLowerCase(), value };
  };
  let node: Node = { kind: 'const', value: true };
  let first = true;
  while (pos < domain.length) {
    const expr = next();
    node = first ? expr : { kind: 'and', left: node, right: expr };
    first = false;
  }
  return node;
}

/** SQL LIKE pattern to a RegExp: % any run, _ one character. */
function likeRegex(pattern: string, insensitive: boolean, wrap: boolean): RegExp {
  const body = pattern
    .split('')
    .map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(wrap ? `^.*${body}.*$` : `^${body}$`, insensitive ? 'is' : 's');
}

const isNull = (v: unknown) => v === false || v === null || v === undefined || v === '';

function compareScalar(stored: unknown, op: string, value: unknown): boolean {
  switch (op) {
    case '=':
      return isNull(value) ? isNull(stored) : stored === value;
    case '!=':
    case '<>':
      // Odoo adds "OR field IS NULL" to negative comparisons
      return isNull(value) ? !isNull(stored) : stored !== value;
    case 'in':
    case 'not in': {
      if (!Array.isArray(value)) throw pythonError('ValueError', `Invalid value for operator ${op}: ${JSON.stringify(value)}`);
      const hit = value.some((v) => (isNull(v) ? isNull(stored) : v === stored));
      return op === 'in' ? hit : !hit;
    }
    case '>':
    case '<':
    case '>=':
    case '<=': {
      if (isNull(stored)) return false;
      const a = stored as number | string;
      const b = value as number | string;
      return op === '>' ? a > b : op === '<' ? a < b : op === '>=' ? a >= b : a <= b;
    }
    case 'like':
    case 'ilike':
    case '=like':
    case '=ilike':
    case 'not like':
    case 'not ilike': {
      const negative = op.startsWith('not');
      if (isNull(stored)) return negative;
      const re = likeRegex(String(value), op.includes('ilike'), !op.startsWith('='));
      const hit = re.test(String(stored));
      return negative ? !hit : hit;
    }
    default:
      throw pythonError('ValueError', `Invalid operator ${op}`);
  }
}

function evalLeaf(env: Env, model: string, row: Row, path: string, op: string, value: unknown): boolean {
  if (op === '=?') return isNull(value) || evalLeaf(env, model, row, path, '=', value);
  const [head, ...rest] = path.split('.');
  const def = modelDef(env, model);
  const field = head === 'id' || head === 'display_name' ? undefined : findField(env, def, head!)?.field;
  if (!field && head !== 'id' && head !== 'display_name') {
    throw pythonError('ValueError', `Invalid field ${model}.${head} in leaf ${JSON.stringify([path, op, value])}`);
  }
  const stored = fieldValue(env, model, row, head!);
  const relational = field && (field.type === 'many2one' || field.type === 'one2many' || field.type === 'many2many');
  if (rest.length) {
    if (!relational) throw pythonError('ValueError', `Invalid path ${path} on ${model}`);
    const ids = field!.type === 'many2one' ? (typeof stored === 'number' ? [stored] : []) : (stored as number[]);
    const target = field!.relation!;
    const negative = op === '!=' || op === 'not in' || op.startsWith('not ');
    const matches = ids.map((id) => evalLeaf(env, target, env.db.get(target, id)!, rest.join('.'), op, value));
    return negative ? matches.every(Boolean) : matches.some(Boolean);
  }
  if (relational) {
    const ids = field!.type === 'many2one' ? (typeof stored === 'number' ? [stored] : []) : (stored as number[]);
    const target = field!.relation!;
    const byName = typeof value === 'string' || (Array.isArray(value) && value.some((v) => typeof v === 'string'));
    const negative = op === '!=' || op === 'not in' || op.startsWith('not ');
    if (byName || op.includes('like')) {
      // a string against a relational field compares with the target's display name
      const names = ids.map((id) => modelDef(env, target).displayName(env, env.db.get(target, id)!));
      const matches = names.map((n) => compareScalar(n, op, value));
      return negative ? (names.length === 0 || matches.every(Boolean)) : matches.some(Boolean);
    }
    if (isNull(value)) {
      return op === '=' ? ids.length === 0 : ids.length > 0;
    }
    if (!ids.length) return compareScalar(false, op, value);
    const matches = ids.map((id) => compareScalar(id, op, value));
    return negative ? matches.every(Boolean) : matches.some(Boolean);
  }
  return compareScalar(stored, op, value);
}

function evaluate(env: Env, model: string, row: Row, node: Node): boolean {
  switch (node.kind) {
    case 'const':
      return node.value;
    case 'and':
      return evaluate(env, model, row, node.left) && evaluate(env, model, row, node.right);
    case 'or':
      return evaluate(env, model, row, node.left) || evaluate(env, model, row, node.right);
    case 'not':
      return !evaluate(env, model, row, node.child);
    case 'leaf':
      return evalLeaf(env, model, row, node.path, node.op, node.value);
  }
}

export function filterRows(env: Env, model: string, rows: Row[], domain: Domain): Row[] {
  const tree = parseDomain(domain);
  return rows.filter((row) => evaluate(env, model, row, tree));
}
