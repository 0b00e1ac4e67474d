// The depositor's proof of a refund: a Bitcoin signed message (BIP-137, what Bitcoin Core's
// signmessage and most wallets produce) over a text naming the rejected deposit's output and the
// refund address, made with the key of one of the deposit transaction's inputs. The node checks it
// before asking governance, and governance checks it again before it signs: the proof, not the
// node, is what entitles anyone to a rejected deposit's coins.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '../crypto/sha256.ts';
import * as bitcoin from 'bitcoinjs-lib';
import { type DepositRejection, scanDeposit } from './deposit.ts';
import { type BitcoinNetworkName, type Federation, scriptOfAddress } from './federation.ts';
import { equalBytes, toHex } from '../types/hex.ts';

/** The text a depositor signs. One fixed form, so that a signature names exactly one refund. */
export const refundMessage = (txid: string, vout: number, address: string): string => `Alys refund ${txid}:${vout} to ${address}`;

const MAGIC = new TextEncoder().encode('\x18Bitcoin Signed Message:\n');

function varint(n: number): Uint8Array {
  if (n < 0xfd) return Uint8Array.of(n);
  if (n <= 0xffff) return Uint8Array.of(0xfd, n & 0xff, n >> 8);
  return Uint8Array.of(0xfe, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff);
}

/** The digest BIP-137 signs: double SHA-256 of the magic prefix and the length-prefixed message. */
export function messageDigest(message: string): Uint8Array {
  const m = new TextEncoder().encode(message);
  const len = varint(m.length);
  const buf = new Uint8Array(MAGIC.length + len.length + m.length);
  buf.set(MAGIC, 0);
  buf.set(len, MAGIC.length);
  buf.set(m, MAGIC.length + len.length);
  return sha256(sha256(buf));
}

/** Which address kind a BIP-137 header byte says the key signs for. */
export type SignerKind = 'p2pkh-uncompressed' | 'p2pkh' | 'p2sh-p2wpkh' | 'p2wpkh';
const HEADER_BASE: Readonly<Record<SignerKind, number>> = { 'p2pkh-uncompressed': 27, p2pkh: 31, 'p2sh-p2wpkh': 35, p2wpkh: 39 };

/** A BIP-137 signature (base64, 65 bytes) of `message` with a private key: what a wallet produces. */
export function signMessage(privateKey: Uint8Array, message: string, kind: Exclude<SignerKind, 'p2pkh-uncompressed'> = 'p2wpkh'): string {
  const rec = secp256k1.sign(messageDigest(message), privateKey, { format: 'recovered', prehash: false });
  const out = Uint8Array.from(rec);
  out[0] = HEADER_BASE[kind] + (rec[0] as number);
  return Buffer.from(out).toString('base64');
}

/** The public key a BIP-137 signature of `message` was made with, or why there is none. */
export function recoverSigner(message: string, signatureBase64: string): { ok: true; publicKey: Uint8Array; kind: SignerKind } | { ok: false; error: string } {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signatureBase64)) return { ok: false, error: 'the signature is not base64' };
  const raw = Uint8Array.from(Buffer.from(signatureBase64, 'base64'));
  if (raw.length !== 65) return { ok: false, error: `the signature is ${raw.length} bytes, not the 65 of a Bitcoin signed message` };
  const header = raw[0] as number;
  if (header < 27 || header > 42) return { ok: false, error: `signature header ${header} is not a BIP-137 header (27 to 42)` };
  const kind = (['p2pkh-uncompressed', 'p2pkh', 'p2sh-p2wpkh', 'p2wpkh'] as const)[Math.floor((header - 27) / 4)] as SignerKind;
  const rec = Uint8Array.from(raw);
  rec[0] = (header - 27) % 4;
  try {
    const point = secp256k1.Point.fromBytes(secp256k1.recoverPublicKey(rec, messageDigest(message), { prehash: false }));
    return { ok: true, publicKey: point.toBytes(kind !== 'p2pkh-uncompressed'), kind };
  } catch (err) {
    return { ok: false, error: `the signature recovers no public key (${(err as Error).message})` };
  }
}

/**
 * The public keys that signed the inputs of a transaction: the key item of a P2WPKH or P2SH-P2WPKH
 * witness, or of a P2PKH scriptSig. Bitcoin checked each against the output it spends.
 */
export function inputKeys(tx: bitcoin.Transaction): Uint8Array[] {
  const keys: Uint8Array[] = [];
  for (const i of tx.ins) {
    if (i.witness.length === 2) {
      const k = i.witness[1] as Uint8Array;
      if (k.length === 33) keys.push(k);
      continue;
    }
    const chunks = i.script.length > 0 ? bitcoin.script.decompile(i.script) : null;
    const last = chunks?.[chunks.length - 1];
    if (chunks?.length === 2 && last instanceof Uint8Array && (last.length === 33 || last.length === 65)) keys.push(last);
  }
  return keys;
}

export interface RefundClaim {
  /** The deposit transaction, serialized with witnesses (its txid commits to what it pays). */
  readonly depositTxHex: string;
  readonly vout: number;
  readonly address: string;
  /** BIP-137, base64, over refundMessage(txid, vout, address). */
  readonly signature: string;
}

export interface CheckedClaim {
  readonly txid: string;
  readonly vout: number;
  readonly amountSats: bigint;
  readonly federation: Federation;
  readonly reason: DepositRejection;
  readonly outputScript: Uint8Array;
}

/**
 * Whether a claim entitles its maker to a refund of that output: the output pays one of
 * `federations` in a transaction the peg rejects (it is never minted), the address is one of the
 * network's, and the signature over the refund text is by the key of one of the deposit's inputs.
 * Undefined error means the claim holds. `txid`, when given, must be the deposit's.
 */
export function checkRefundClaim(c: RefundClaim, federations: readonly Federation[], network: BitcoinNetworkName, txid?: string): { ok: true; claim: CheckedClaim } | { ok: false; error: string } {
  let tx: bitcoin.Transaction;
  try {
    tx = bitcoin.Transaction.fromHex(c.depositTxHex);
  } catch (err) {
    return { ok: false, error: `the deposit transaction does not decode (${(err as Error).message})` };
  }
  const id = tx.getId();
  if (txid !== undefined && id !== txid) return { ok: false, error: `the deposit transaction is ${id}, not ${txid}` };
  const scan = scanDeposit(tx, federations);
  if (scan.kind !== 'rejected') return { ok: false, error: `${id} is not a rejected deposit (${scan.kind === 'deposits' ? 'it is a valid deposit, minted on Alys' : scan.kind})` };
  const out = tx.outs[c.vout];
  const federation = out === undefined ? undefined : federations.find((f) => equalBytes(f.scriptPubKey, out.script));
  if (out === undefined || federation === undefined || out.value <= 0n) return { ok: false, error: `output ${c.vout} of ${id} pays no federation address` };
  let outputScript: Uint8Array;
  try {
    outputScript = scriptOfAddress(c.address, network);
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  if (federations.some((f) => equalBytes(f.scriptPubKey, outputScript))) return { ok: false, error: 'the refund address is a federation address' };
  const signer = recoverSigner(refundMessage(id, c.vout, c.address), c.signature);
  if (!signer.ok) return { ok: false, error: `bad refund proof: ${signer.error}` };
  if (!inputKeys(tx).some((k) => equalBytes(k, signer.publicKey))) {
    return { ok: false, error: `bad refund proof: the message '${refundMessage(id, c.vout, c.address)}' is not signed by the key of any input of ${id} (it recovers ${toHex(signer.publicKey).slice(0, 16)}…)` };
  }
  return { ok: true, claim: { txid: id, vout: c.vout, amountSats: out.value, federation, reason: scan.reason, outputScript } };
}
