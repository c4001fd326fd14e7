import type { OdooDomain } from '@retail-backbone/odoo-client';
import type { OdooGateway } from '../odoo/gateway';

/** A position in a model's change feed: the last (write_date, id) handled. */
export interface Cursor {
  writeDate: string;
  id: number;
}

export interface ChangedRecord {
  id: number;
  write_date: string;
  [field: string]: unknown;
}

/** Where a read starts: strictly after a cursor, or from a write_date on (the overlap window). */
export type ReadFrom = { after: Cursor } | { since: string };

export function compareCursors(a: Cursor, b: Cursor): number {
  return a.writeDate < b.writeDate ? -1 : a.writeDate > b.writeDate ? 1 : a.id - b.id;
}

/**
 * ('write_date', 'id') keyset paging: records written after the cursor, or in the same second
 * with a greater id, so records sharing a second are neither skipped nor read twice by the paging
 * itself (Odoo stamps a whole transaction with one second).
 */
export function changedSince(from: ReadFrom): OdooDomain {
  if ('since' in from) return [['write_date', '>=', from.since]];
  const { writeDate, id } = from.after;
  return ['|', ['write_date', '>', writeDate], '&', ['write_date', '=', writeDate], ['id', '>', id]];
}

/** One model's changes, read a page at a time in (write_date, id) order. */
export class ChangeFeed {
  constructor(
    private readonly odoo: OdooGateway,
    readonly model: string,
    private readonly filter: OdooDomain,
    private readonly fields: readonly string[],
  ) {}

  async page(from: ReadFrom, limit: number): Promise<ChangedRecord[]> {
    return this.odoo.searchRead<ChangedRecord>(this.model, [...this.filter, ...changedSince(from)], {
      fields: [...new Set([...this.fields, 'write_date'])],
      order: 'write_date asc, id asc',
      limit,
    });
  }
}
