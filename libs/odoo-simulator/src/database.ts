/**
 * In-memory tables with an undo journal, so that every simulated call is one transaction:
 * a call that raises half-way leaves nothing behind, as a PostgreSQL rollback would.
 */
export type Row = Record<string, unknown> & { id: number };

export class Database {
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
    const row: Row = { ...values, id };
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
    const before: Record<string, unknown> = {};
    for (const key of Object.keys(changes)) before[key] = row[key];
    Object.assign(row, changes);
    this.record(() => Object.assign(row, before));
  }

  remove(model: string, id: number): void {
    const row = this.table(model).get(id);
    if (!row) return;
    this.table(model).delete(id);
    this.record(() => this.table(model).set(id, row));
  }

  /** Next value of a named sequence (ir.sequence equivalent); rolled back with the transaction. */
  nextSequence(code: string): number {
    const value = (this.sequences.get(code) ?? 0) + 1;
    this.sequences.set(code, value);
    this.record(() => this.sequences.set(code, value - 1));
    return value;
  }

  transaction<T>(fn: () => T): T {
    if (this.journal) return fn();
    const journal: Array<() => void> = [];
    this.journal = journal;
    try {
      return fn();
    } catch (err) {
      for (let i = journal.length - 1; i >= 0; i -= 1) journal[i]!();
      throw err;
    } finally {
      this.journal = null;
    }
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
