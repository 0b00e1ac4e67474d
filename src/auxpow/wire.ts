// Bitcoin's little-endian wire primitives, bounds-checked: a short or oversized field throws, and
// the callers turn that into their own typed error.
export class BitcoinWriter {
  private readonly parts: number[] = [];
  bytes(b: Uint8Array): void {
    for (const x of b) this.parts.push(x);
  }
  u32(n: number): void {
    this.parts.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }
  varInt(n: number): void {
    if (n < 0xfd) this.parts.push(n);
    else if (n <= 0xffff) this.parts.push(0xfd, n & 0xff, n >>> 8);
    else {
      this.parts.push(0xfe);
      this.u32(n);
    }
  }
  varBytes(b: Uint8Array): void {
    this.varInt(b.length);
    this.bytes(b);
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export class BitcoinReader {
  private o = 0;
  constructor(private readonly b: Uint8Array) {}
  bytes(n: number): Uint8Array {
    if (this.o + n > this.b.length) throw new RangeError(`need ${n} bytes at ${this.o}, have ${this.b.length - this.o}`);
    const out = this.b.slice(this.o, this.o + n);
    this.o += n;
    return out;
  }
  u32(): number {
    const x = this.bytes(4);
    return ((x[0] as number) | ((x[1] as number) << 8) | ((x[2] as number) << 16) | ((x[3] as number) << 24)) >>> 0;
  }
  varInt(): number {
    const first = this.bytes(1)[0] as number;
    if (first < 0xfd) return first;
    if (first === 0xfd) {
      const x = this.bytes(2);
      return (x[0] as number) | ((x[1] as number) << 8);
    }
    if (first === 0xfe) return this.u32();
    throw new RangeError('64-bit lengths are not accepted');
  }
  varBytes(max: number): Uint8Array {
    const n = this.varInt();
    if (n > max) throw new RangeError(`length ${n} over ${max}`);
    return this.bytes(n);
  }
  list<T>(max: number, item: () => T): T[] {
    const n = this.varInt();
    if (n > max) throw new RangeError(`${n} items over ${max}`);
    return Array.from({ length: n }, item);
  }
  end(): void {
    if (this.o !== this.b.length) throw new RangeError(`${this.b.length - this.o} trailing bytes`);
  }
}
