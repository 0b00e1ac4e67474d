// The backup file: a manifest of sha256 checksums, then the files it names, back to back.
//   "ALYSBAK1\n" | u32 manifest length | manifest JSON | file bytes, in manifest order
// db.records holds every LevelDB entry of one snapshot as (u32 key length, key, u32 value length,
// value). Reading checks the magic, every length against what is left, and every checksum, and
// names the file or offset that fails: a damaged backup is refused, never half restored.
import { sha256 } from '../crypto/sha256.ts';
import { toHex } from '../types/hex.ts';

const MAGIC = new TextEncoder().encode('ALYSBAK1\n');

export interface BackupManifest {
  readonly version: 1;
  readonly head: { readonly height: number; readonly hash: string } | null;
  readonly entries: number;
  readonly files: ReadonlyArray<{ readonly name: string; readonly bytes: number; readonly sha256: string }>;
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

const u32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
};

export function encodeRecords(entries: Iterable<readonly [string, Uint8Array]>): Uint8Array {
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (const [k, v] of entries) {
    const key = enc.encode(k);
    parts.push(u32(key.length), key, u32(v.length), v);
  }
  return concatAll(parts);
}

export function decodeRecords(bytes: Uint8Array): Array<[string, Uint8Array]> {
  const out: Array<[string, Uint8Array]> = [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dec = new TextDecoder();
  let at = 0;
  const take = (what: string): Uint8Array => {
    if (at + 4 > bytes.length) throw new BackupError(`db.records: truncated at offset ${at} (${what} length)`);
    const n = dv.getUint32(at);
    if (at + 4 + n > bytes.length) throw new BackupError(`db.records: truncated at offset ${at} (${what} of ${n} bytes)`);
    const v = bytes.subarray(at + 4, at + 4 + n);
    at += 4 + n;
    return v;
  };
  while (at < bytes.length) {
    const key = dec.decode(take('key'));
    out.push([key, take('value').slice()]);
  }
  return out;
}

export function encodeBackup(files: ReadonlyArray<{ name: string; bytes: Uint8Array }>, head: BackupManifest['head'], entries: number): { bytes: Uint8Array; manifest: BackupManifest } {
  const manifest: BackupManifest = { version: 1, head, entries, files: files.map((f) => ({ name: f.name, bytes: f.bytes.length, sha256: toHex(sha256(f.bytes)) })) };
  const m = new TextEncoder().encode(JSON.stringify(manifest));
  return { bytes: concatAll([MAGIC, u32(m.length), m, ...files.map((f) => f.bytes)]), manifest };
}

export function decodeBackup(bytes: Uint8Array, source: string): { manifest: BackupManifest; files: Map<string, Uint8Array> } {
  if (bytes.length < MAGIC.length + 4 || MAGIC.some((b, i) => bytes[i] !== b)) throw new BackupError(`${source}: not an Alys backup (bad magic)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const mLen = dv.getUint32(MAGIC.length);
  let at = MAGIC.length + 4;
  if (at + mLen > bytes.length) throw new BackupError(`${source}: truncated at offset ${at} (manifest of ${mLen} bytes)`);
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(bytes.subarray(at, at + mLen))) as BackupManifest;
  } catch {
    throw new BackupError(`${source}: the manifest at offset ${at} is not JSON`);
  }
  if (manifest.version !== 1 || !Array.isArray(manifest.files)) throw new BackupError(`${source}: unknown manifest version ${String(manifest.version)}`);
  at += mLen;
  const files = new Map<string, Uint8Array>();
  for (const f of manifest.files) {
    if (at + f.bytes > bytes.length) throw new BackupError(`${source}: truncated at offset ${at} (${f.name} of ${f.bytes} bytes)`);
    const body = bytes.subarray(at, at + f.bytes);
    if (toHex(sha256(body)) !== f.sha256) throw new BackupError(`${source}: ${f.name} fails its sha256 checksum`);
    files.set(f.name, body);
    at += f.bytes;
  }
  if (at !== bytes.length) throw new BackupError(`${source}: ${bytes.length - at} unexpected bytes after offset ${at}`);
  return { manifest, files };
}

function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
