/** Thrown when a request does not match the schema of its declared API version. */
export class MalformedRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedRequestError';
  }
}

/**
 * Reads Kafka primitives, checking every length against the frame. With `flexible` set (the
 * request's version is a flexible one), strings, bytes and arrays use the compact forms and
 * `tags()` skips tagged fields; otherwise `tags()` reads nothing.
 */
export class Reader {
  private offset = 0;
  flexible = false;

  constructor(private readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private need(n: number): number {
    if (n < 0 || this.offset + n > this.buf.length) {
      throw new MalformedRequestError(`need ${n} bytes at ${this.offset}, frame has ${this.buf.length}`);
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1));
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }

  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }

  /** Offsets and timestamps stay well inside 2^53, so numbers are safe here. */
  int64(): number {
    return Number(this.buf.readBigInt64BE(this.need(8)));
  }

  /** Unsigned LEB128, at most 5 bytes (a 32-bit value). */
  uvarint(): number {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.buf.readUInt8(this.need(1));
      value += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return value;
    }
    throw new MalformedRequestError('varint longer than 5 bytes');
  }

  /** Length of a compact field: the varint holds length + 1, 0 meaning null (returned as -1). */
  private compactLength(): number {
    return this.uvarint() - 1;
  }

  uuid(): Buffer {
    const at = this.need(16);
    return Buffer.from(this.buf.subarray(at, at + 16));
  }

  /** Skips the tagged fields ending a flexible structure; none of them changes what this broker does. */
  tags(): void {
    if (!this.flexible) return;
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint(); // tag
      this.need(this.uvarint());
    }
  }

  /** The request header's client id is a classic string even in flexible versions. */
  classicNullableString(): string | null {
    const len = this.int16();
    if (len === -1) return null;
    const at = this.need(len);
    return this.buf.toString('utf8', at, at + len);
  }

  nullableString(): string | null {
    const len = this.flexible ? this.compactLength() : this.int16();
    if (len === -1) return null;
    const at = this.need(len);
    return this.buf.toString('utf8', at, at + len);
  }

  string(): string {
    const s = this.nullableString();
    if (s === null) throw new MalformedRequestError('null where a string is required');
    return s;
  }

  /** Returns a view into the frame; callers copy it if they keep it. */
  nullableBytes(): Buffer | null {
    const len = this.flexible ? this.compactLength() : this.int32();
    if (len === -1) return null;
    const at = this.need(len);
    return this.buf.subarray(at, at + len);
  }

  bytes(): Buffer {
    return this.nullableBytes() ?? Buffer.alloc(0);
  }

  nullableArray<T>(item: (r: Reader) => T): T[] | null {
    const len = this.flexible ? this.compactLength() : this.int32();
    if (len === -1) return null;
    // Each element takes at least one byte, which bounds hostile lengths before allocating.
    if (len < 0 || len > this.remaining) throw new MalformedRequestError(`bad array length ${len}`);
    const out: T[] = new Array<T>(len);
    for (let i = 0; i < len; i++) out[i] = item(this);
    return out;
  }

  array<T>(item: (r: Reader) => T): T[] {
    return this.nullableArray(item) ?? [];
  }
}
