/** A domain leaf [field, operator, value] or a prefix operator. */
export type DomainLeaf = [string, string, unknown];
export type OdooDomain = Array<DomainLeaf | '&' | '|' | '!'>;

/** How read() returns a many2one: [id, display name], or false when empty. */
export type Many2one = [number, string] | false;

export type OdooContext = Record<string, unknown>;

export type OdooValues = Record<string, unknown>;

/** Named arguments of a call, JSON-2 style; `ids` and `context` are reserved. */
export interface OdooCallParams {
  ids?: number[];
  context?: OdooContext;
  [argument: string]: unknown;
}

export interface CallOptions {
  context?: OdooContext;
}

export interface SearchOptions extends CallOptions {
  limit?: number;
  offset?: number;
  order?: string;
}

export interface SearchReadOptions extends SearchOptions {
  fields?: string[];
}

export interface OdooVersion {
  version: string;
  version_info: unknown[];
}

/** x2many write commands, as Odoo expects them over RPC. */
export const X2Many = {
  create: (vals: OdooValues): [0, 0, OdooValues] => [0, 0, vals],
  update: (id: number, vals: OdooValues): [1, number, OdooValues] => [1, id, vals],
  delete: (id: number): [2, number, 0] => [2, id, 0],
  unlink: (id: number): [3, number, 0] => [3, id, 0],
  link: (id: number): [4, number, 0] => [4, id, 0],
  clear: (): [5, 0, 0] => [5, 0, 0],
  set: (ids: number[]): [6, 0, number[]] => [6, 0, ids],
} as const;
