/** Thrown when a request does not match the schema of its declared API version. */
export class MalformedRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedRequestError';
  }
}

/** Reads the classic (non-flexible) Kafka primitives, checking every length against the frame. */
export class Reader {
  private offset = 0;

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

  nullableString(): string | null {
    const len = this.int16();
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
    const len = this.int32();
    if (len === -1) return null;
    const at = this.need(len);
    return this.buf.subarray(at, at + len);
  }

  bytes(): Buffer {
    return this.nullableBytes() ?? Buffer.alloc(0);
  }

  nullableArray<T>(item: (r: Reader) => T): T[] | null {
    const len = this.int32();
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
