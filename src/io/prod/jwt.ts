// The Engine API's authentication: a fresh HS256 JWT per request with `iat` within 60 s of the
// execution client's clock, signed with the 32-byte secret both sides read from a hex file.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export function engineJwt(secret: Uint8Array, nowMs: number = Date.now()): string {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const claims = b64url(JSON.stringify({ iat: Math.floor(nowMs / 1000) }));
  const sig = createHmac('sha256', secret).update(`${header}.${claims}`).digest();
  return `${header}.${claims}.${b64url(sig)}`;
}

export class JwtSecretError extends Error {
  constructor(path: string, why: string) {
    super(`JWT secret ${path}: ${why}`);
    this.name = 'JwtSecretError';
  }
}

/** Reads a hex JWT secret file (with or without 0x, surrounding whitespace allowed). */
export function readJwtSecret(path: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new JwtSecretError(path, (err as Error).message);
  }
  const hex = text.startsWith('0x') ? text.slice(2) : text;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new JwtSecretError(path, 'must hold 32 bytes as 64 hex characters');
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
