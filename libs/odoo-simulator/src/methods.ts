import type { Domain } from './domain';
import type { Env, MethodDef } from './model';
import * as orm from './orm';
import { pythonError } from './odoo-exceptions';

const asDomain = (v: unknown): Domain => (v === undefined || v === null ? [] : (v as Domain));
const asFields = (v: unknown): string[] | null => (Array.isArray(v) ? (v as string[]) : null);
const asInt = (name: string, v: unknown, fallback: number | null): number | null => {
  if (v === undefined || v === null || v === false) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw pythonError('ValueError', `Invalid ${name}: ${JSON.stringify(v)}`);
  return v;
};
const searchOpts = (kw: Record<string, unknown>): orm.SearchOptions => ({
  offset: asInt('offset', kw.offset, 0) ?? 0,
  limit: asInt('limit', kw.limit, null),
  order: typeof kw.order === 'string' ? kw.order : null,
});
const count = (_ids: number[], _kw: Record<string, unknown>, result: unknown) => (Array.isArray(result) ? result.length : 1);

/** ORM methods every model answers to (the subset of BaseModel's public API that integrations use). */
export function genericMethods(model: string): Record<string, MethodDef> {
  return {
    search: {
      api: 'model',
      params: ['domain', 'offset', 'limit', 'order'],
      run: (env, _ids, kw) => orm.search(env, model, asDomain(kw.domain), searchOpts(kw)),
      records: count,
    },
    search_count: {
      api: 'model',
      params: ['domain', 'limit'],
      run: (env, _ids, kw) => orm.search(env, model, asDomain(kw.domain), { limit: asInt('limit', kw.limit, null) }).length,
    },
    search_read: {
      api: 'model',
      params: ['domain', 'fields', 'offset', 'limit', 'order'],
      run: (env, _ids, kw) =>
        orm.read(env, model, orm.search(env, model, asDomain(kw.domain), searchOpts(kw)), asFields(kw.fields)),
      records: count,
    },
    read: {
      api: 'records',
      params: ['fields', 'load'],
      run: (env, ids, kw) => orm.read(env, model, ids, asFields(kw.fields)),
      records: count,
    },
    create: {
      api: 'model',
      params: ['vals_list'],
      run: (env, _ids, kw) => {
        const input = kw.vals_list;
        if (input === undefined) throw pythonError('TypeError', "create() missing 1 required positional argument: 'vals_list'", 422);
        if (Array.isArray(input)) return orm.create(env, model, input as Record<string, unknown>[]);
        return orm.create(env, model, [input as Record<string, unknown>])[0];
      },
      records: (_ids, kw) => (Array.isArray(kw.vals_list) ? kw.vals_list.length : 1),
    },
    write: {
      api: 'records',
      params: ['vals'],
      run: (env, ids, kw) => {
        if (kw.vals === undefined) throw pythonError('TypeError', "write() missing 1 required positional argument: 'vals'", 422);
        return orm.write(env, model, ids, kw.vals as Record<string, unknown>);
      },
      records: (ids) => ids.length,
    },
    unlink: {
      api: 'records',
      params: [],
      run: (env, ids) => orm.unlink(env, model, ids),
      records: (ids) => ids.length,
    },
    name_search: {
      api: 'model',
      params: ['name', 'domain', 'operator', 'limit'],
      run: (env, _ids, kw) => {
        const name = typeof kw.name === 'string' ? kw.name : '';
        const operator = typeof kw.operator === 'string' ? kw.operator : 'ilike';
        const domain = name ? [...asDomain(kw.domain), ['display_name', operator, name]] : asDomain(kw.domain);
        const ids = orm.search(env, model, domain, { limit: asInt('limit', kw.limit, 100) });
        return ids.map((id) => [id, orm.displayName(env, model, id)]);
      },
      records: count,
    },
  };
}

/** Bind JSON-RPC positional args to parameter names, the way Python does for execute_kw. */
export function bindArguments(
  method: MethodDef,
  args: unknown[],
  kwargs: Record<string, unknown>,
  methodName: string,
): { ids: number[]; kwargs: Record<string, unknown> } {
  let rest = args;
  let ids: number[] = [];
  if (method.api === 'records') {
    const first = args[0];
    ids = first === undefined ? [] : typeof first === 'number' ? [first] : (first as number[]);
    rest = args.slice(1);
  }
  if (rest.length > method.params.length) {
    throw pythonError(
      'TypeError',
      `${methodName}() takes ${method.params.length + 1} positional arguments but ${rest.length + 1} were given`,
    );
  }
  const bound: Record<string, unknown> = { ...kwargs };
  rest.forEach((value, i) => {
    const name = method.params[i]!;
    if (name in kwargs) throw pythonError('TypeError', `${methodName}() got multiple values for argument '${name}'`);
    bound[name] = value;
  });
  return { ids, kwargs: bound };
}

export function checkKeywords(method: MethodDef, kwargs: Record<string, unknown>, methodName: string): void {
  for (const key of Object.keys(kwargs)) {
    if (key !== 'context' && !method.params.includes(key)) {
      throw pythonError('TypeError', `${methodName}() got an unexpected keyword argument '${key}'`, 422);
    }
  }
}

export function checkIds(ids: unknown): number[] {
  if (ids === undefined || ids === null) return [];
  const list = typeof ids === 'number' ? [ids] : ids;
  if (!Array.isArray(list) || !list.every((id) => typeof id === 'number' && Number.isInteger(id))) {
    throw pythonError('TypeError', `ids must be a list of integers, got ${JSON.stringify(ids)}`, 422);
  }
  return list as number[];
}

export type { Env };
