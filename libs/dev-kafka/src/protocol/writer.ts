const CHUNK = 16 * 1024;
/** Byte strings at least this long are referenced, not copied, so Fetch can send stored batches as they are. */
const BY_REFERENCE = 1024;

/**
 * Writes Kafka primitives into a list of buffers, keeping large payloads by reference. With
 * `flexible` set, strings, bytes and arrays take the compact forms and `tags()` writes an empty
 * tagged-field section; otherwise `tags()` writes nothing.
 */
export class Writer {
  flexible = false;
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

  uvarint(v: number): this {
    let rest = v;
    while (rest >= 0x80) {
      this.int8Unsigned((rest & 0x7f) | 0x80);
      rest = Math.floor(rest / 128);
    }
    return this.int8Unsigned(rest);
  }

  private int8Unsigned(v: number): this {
    this.room(1);
    this.pos = this.cur.writeUInt8(v, this.pos);
    return this;
  }

  /** Length prefix of a string, bytes or array: classic int16/int32, or compact varint (length + 1, 0 = null). */
  private lengthPrefix(len: number, classic: 'int16' | 'int32'): this {
    if (this.flexible) return this.uvarint(len + 1);
    return classic === 'int16' ? this.int16(len) : this.int32(len);
  }

  /** A topic id; null writes the all-zero id Kafka uses for "none". */
  uuid(v: Buffer | null): this {
    this.room(16);
    if (v === null) this.cur.fill(0, this.pos, this.pos + 16);
    else v.copy(this.cur, this.pos, 0, 16);
    this.pos += 16;
    return this;
  }

  /** No tagged fields: writes the empty section in flexible versions. */
  tags(): this {
    return this.flexible ? this.uvarint(0) : this;
  }

  nullableString(v: string | null): this {
    if (v === null) return this.lengthPrefix(-1, 'int16');
    const len = Buffer.byteLength(v);
    this.lengthPrefix(len, 'int16');
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
    if (v === null) return this.lengthPrefix(-1, 'int32');
    this.lengthPrefix(v.length, 'int32');
    return this.raw(v);
  }

  bytes(v: Buffer): this {
    return this.nullableBytes(v);
  }

  /** Concatenated buffers written as one run, e.g. a partition's record batches. */
  bytesList(list: Buffer[]): this {
    let len = 0;
    for (const b of list) len += b.length;
    this.lengthPrefix(len, 'int32');
    for (const b of list) this.raw(b);
    return this;
  }

  array<T>(items: readonly T[], item: (w: Writer, v: T) => void): this {
    this.lengthPrefix(items.length, 'int32');
    for (const v of items) item(this, v);
    return this;
  }

  nullableArray<T>(items: readonly T[] | null, item: (w: Writer, v: T) => void): this {
    if (items === null) return this.lengthPrefix(-1, 'int32');
    return this.array(items, item);
  }

  /** The written bytes, in order; the writer must not be used afterwards. */
  finish(): Buffer[] {
    this.seal();
    return this.chunks;
  }
}
