/**
 * In-memory tables with an undo journal, so that every simulated call is one transaction:
 * a call that raises half-way leaves nothing behind, as a PostgreSQL rollback would.
 */
export type Row = Record<string, unknown> & { id: number };

/** Log-access columns every Odoo model stores (create_uid, create_date, write_uid, write_date). */
export interface Stamp {
  uid: number;
  /** 'YYYY-MM-DD HH:MM:SS' UTC: Odoo's datetime fields keep whole seconds. */
  at: string;
}

export class Database {
  /** Set by the engine: the transaction's user and time (Odoo stamps rows with the transaction start). */
  stamp: (() => Stamp) | undefined;
  private txStamp: Stamp | undefined;
  /** Called after every committed transaction that changed something (persistence). */
  onCommit: (() => void) | undefined;
  private dirty = false;
  private tables = new Map<string, Map<number, Row>>();
  private nextIds = new Map<string, number>();
  private sequences = new Map<string, number>();
  private journal: Array<() => void> | null = null;

  table(model: string): Map<number, Row> {
    let t = this.tables.get(model);
    if (!t) {
      t = new Map();
      this.tables.set(model, t);
    }
    return t;
  }

  get(model: string, id: number): Row | undefined {
    return this.table(model).get(id);
  }

  insert(model: string, values: Record<string, unknown>): number {
    const id = this.nextIds.get(model) ?? 1;
    this.nextIds.set(model, id + 1);
    const stamp = this.currentStamp();
    const magic = stamp ? { create_uid: stamp.uid, create_date: stamp.at, write_uid: stamp.uid, write_date: stamp.at } : {};
    const row: Row = { ...magic, ...values, id };
    this.dirty = true;
    this.table(model).set(id, row);
    this.record(() => {
      this.table(model).delete(id);
      this.nextIds.set(model, id);
    });
    return id;
  }

  update(model: string, id: number, changes: Record<string, unknown>): void {
    const row = this.table(model).get(id);
    if (!row) throw new Error(`no row ${model}(${id})`);
    const stamp = this.currentStamp();
    const stamped = stamp ? { ...changes, write_uid: stamp.uid, write_date: stamp.at } : changes;
    const before: Record<string, unknown> = {};
    for (const key of Object.keys(stamped)) before[key] = row[key];
    Object.assign(row, stamped);
    this.dirty = true;
    this.record(() => Object.assign(row, before));
  }

  remove(model: string, id: number): void {
    const row = this.table(model).get(id);
    if (!row) return;
    this.table(model).delete(id);
    this.dirty = true;
    this.record(() => this.table(model).set(id, row));
  }

  /** Next value of a named sequence (ir.sequence equivalent); rolled back with the transaction. */
  nextSequence(code: string): number {
    const value = (this.sequences.get(code) ?? 0) + 1;
    this.sequences.set(code, value);
    this.dirty = true;
    this.record(() => this.sequences.set(code, value - 1));
    return value;
  }

  transaction<T>(fn: () => T): T {
    if (this.journal) return fn();
    const journal: Array<() => void> = [];
    this.journal = journal;
    this.txStamp = this.stamp?.();
    let committed = false;
    try {
      const result = fn();
      committed = true;
      return result;
    } catch (err) {
      for (let i = journal.length - 1; i >= 0; i -= 1) journal[i]!();
      throw err;
    } finally {
      this.journal = null;
      this.txStamp = undefined;
      if (committed && this.dirty) this.onCommit?.();
      this.dirty = false;
    }
  }

  /** Everything, for persistence: rows, next ids and sequences. */
  dump(): DatabaseImage {
    return {
      tables: Object.fromEntries([...this.tables].map(([model, rows]) => [model, [...rows.values()]])),
      nextIds: Object.fromEntries(this.nextIds),
      sequences: Object.fromEntries(this.sequences),
    };
  }

  load(image: DatabaseImage): void {
    this.clear();
    for (const [model, rows] of Object.entries(image.tables)) this.tables.set(model, new Map(rows.map((r) => [r.id, r])));
    for (const [model, next] of Object.entries(image.nextIds)) this.nextIds.set(model, next);
    for (const [code, value] of Object.entries(image.sequences)) this.sequences.set(code, value);
  }

  private currentStamp(): Stamp | undefined {
    return this.txStamp ?? this.stamp?.();
  }

  clear(): void {
    this.tables.clear();
    this.nextIds.clear();
    this.sequences.clear();
  }

  private record(undo: () => void): void {
    this.journal?.push(undo);
  }
}

export interface DatabaseImage {
  tables: Record<string, Row[]>;
  nextIds: Record<string, number>;
  sequences: Record<string, number>;
}
