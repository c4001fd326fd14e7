import fs from 'node:fs';
import path from 'node:path';
import type { Database, DatabaseImage } from './database';

const FORMAT = 1;

/**
 * Keeps the simulated database in one JSON file so that its records outlive the process. Commits
 * are coalesced: the file is rewritten at most every `flushMs` (atomically, through a rename) and
 * once more on stop, so a hard kill can lose at most the last `flushMs` of commits.
 */
export class FilePersistence {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly file: string,
    private readonly db: Database,
    private readonly flushMs = 200,
  ) {}

  /** Loads the file into the database; false when there is none yet. */
  load(): boolean {
    if (!fs.existsSync(this.file)) return false;
    const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { format?: number; image?: DatabaseImage };
    if (parsed.format !== FORMAT || !parsed.image) throw new Error(`${this.file} is not an odoo-simulator data file (format ${FORMAT})`);
    this.db.load(parsed.image);
    return true;
  }

  /** Called after each commit that changed something. */
  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.flushMs);
    this.timer.unref();
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ format: FORMAT, image: this.db.dump() }));
    fs.renameSync(tmp, this.file);
  }
}
