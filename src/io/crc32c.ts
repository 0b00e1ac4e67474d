// CRC-32C (Castagnoli), the checksum LevelDB and ext4 use for their own records: table-driven,
// one byte at a time. It detects every single-bit and every burst error up to 32 bits, which is what
// a flipped bit or a torn sector leaves.
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** Continues a CRC-32C over more bytes: start with crc32c(first), then crc32c(next, previous). */
export function crc32c(bytes: Uint8Array, previous = 0): number {
  let c = ~previous >>> 0;
  for (let i = 0; i < bytes.length; i++) c = (TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}
