// A 64-bit rolling hash kept as two 32-bit lanes: folding must cost a few nanoseconds because every
// delivery and every IO event goes through it (the kernel benchmark delivers millions per second).
// Not cryptographic: it only has to make two different runs disagree.

const textEncoder = new TextEncoder();
const stringHashes = new Map<string, number>();

/** 32-bit FNV-1a of a string, memoised: message types and actor names repeat constantly. */
export function hashString(s: string): number {
  const cached = stringHashes.get(s);
  if (cached !== undefined) return cached;
  let h = 0x811c9dc5;
  const bytes = textEncoder.encode(s);
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  h >>>= 0;
  if (stringHashes.size < 100_000) stringHashes.set(s, h);
  return h;
}

/** FNV-1a over raw bytes, for payload digests. */
export function hashBytes(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class RollingHash {
  private hi = 0x6a09e667;
  private lo = 0xbb67ae85;

  /** Folds one 32-bit word (numbers outside 32 bits are split so that large times still count). */
  fold(word: number): void {
    let w = word;
    if (w > 0xffffffff || w < 0 || !Number.isInteger(w)) {
      const big = Math.floor(Math.abs(w));
      this.fold((big / 0x100000000) >>> 0);
      w = (big >>> 0) ^ (word < 0 ? 0x80000000 : 0) ^ (Number.isInteger(word) ? 0 : 0x40000000);
    }
    let lo = (this.lo ^ w) >>> 0;
    lo = Math.imul(lo, 0x9e3779b1);
    lo ^= lo >>> 15;
    let hi = (this.hi ^ lo) >>> 0;
    hi = Math.imul(hi, 0x85ebca77);
    hi ^= hi >>> 13;
    this.lo = (lo + Math.imul(hi, 0xc2b2ae3d)) >>> 0;
    this.hi = hi >>> 0;
  }

  foldString(s: string): void {
    this.fold(hashString(s));
  }

  hex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}
