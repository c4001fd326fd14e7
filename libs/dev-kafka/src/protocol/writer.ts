const CHUNK = 16 * 1024;
/** Byte strings at least this long are referenced, not copied, so Fetch can send stored batches as they are. */
const BY_REFERENCE = 1024;

/** Writes classic Kafka primitives into a list of buffers, keeping large payloads by reference. */
export class Writer {
  private readonly chunks: Buffer[] = [];
  private cur: Buffer = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  private flushedBytes = 0;

  get length(): number {
    return this.flushedBytes + this.pos;
  }

  private room(n: number): void {
    if (this.pos + n <= this.cur.length) return;
    this.seal();
    this.cur = Buffer.allocUnsafe(Math.max(CHUNK, n));
  }

  private seal(): void {
    if (this.pos > 0) {
      this.chunks.push(this.cur.subarray(0, this.pos));
      this.flushedBytes += this.pos;
    }
    this.cur = Buffer.allocUnsafe(CHUNK);
    this.pos = 0;
  }

  int8(v: number): this {
    this.room(1);
    this.pos = this.cur.writeInt8(v, this.pos);
    return this;
  }

  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  int16(v: number): this {
    this.room(2);
    this.pos = this.cur.writeInt16BE(v, this.pos);
    return this;
  }

  int32(v: number): this {
    this.room(4);
    this.pos = this.cur.writeInt32BE(v, this.pos);
    return this;
  }

  int64(v: number): this {
    this.room(8);
    this.pos = this.cur.writeBigInt64BE(BigInt(v), this.pos);
    return this;
  }

  nullableString(v: string | null): this {
    if (v === null) return this.int16(-1);
    const len = Buffer.byteLength(v);
    this.int16(len);
    this.room(len);
    this.pos += this.cur.write(v, this.pos, 'utf8');
    return this;
  }

  string(v: string): this {
    return this.nullableString(v);
  }

  raw(v: Buffer): this {
    if (v.length >= BY_REFERENCE) {
      this.seal();
      this.chunks.push(v);
      this.flushedBytes += v.length;
    } else {
      this.room(v.length);
      this.pos += v.copy(this.cur, this.pos);
    }
    return this;
  }

  nullableBytes(v: Buffer | null): this {
    if (v === null) return this.int32(-1);
    this.int32(v.length);
    return this.raw(v);
  }

  bytes(v: Buffer): this {
    return this.nullableBytes(v);
  }

  /** Concatenated buffers written as one run, e.g. a partition's record batches. */
  bytesList(list: Buffer[]): this {
    let len = 0;
    for (const b of list) len += b.length;
    this.int32(len);
    for (const b of list) this.raw(b);
    return this;
  }

  array<T>(items: readonly T[], item: (w: Writer, v: T) => void): this {
    this.int32(items.length);
    for (const v of items) item(this, v);
    return this;
  }

  nullableArray<T>(items: readonly T[] | null, item: (w: Writer, v: T) => void): this {
    if (items === null) return this.int32(-1);
    return this.array(items, item);
  }

  /** The written bytes, in order; the writer must not be used afterwards. */
  finish(): Buffer[] {
    this.seal();
    return this.chunks;
  }
}
