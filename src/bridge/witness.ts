// P2WSH multisig witnesses: what governance returns for each federation input, and how Alys checks
// them before it broadcasts (a wrong witness from governance must be caught here, not by the Bitcoin
// network). Witness stack: <empty> <sig_1> … <sig_m> <witnessScript>, signatures in key order.
import * as bitcoin from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { equalBytes, fromHex, toHex } from '../types/hex.ts';

export const SIGHASH_ALL = bitcoin.Transaction.SIGHASH_ALL;

/** The BIP143 digest a federation member signs for input `index`. */
export function sighash(tx: bitcoin.Transaction, index: number, witnessScript: Uint8Array, amountSats: bigint): Uint8Array {
  return tx.hashForWitnessV0(index, witnessScript, amountSats, SIGHASH_ALL);
}

/** m and the public keys of an m-of-n CHECKMULTISIG script, or undefined if it is not one. */
export function multisigOf(witnessScript: Uint8Array): { m: number; publicKeys: Uint8Array[] } | undefined {
  try {
    const p = bitcoin.payments.p2ms({ output: witnessScript });
    if (p.m === undefined || p.pubkeys === undefined) return undefined;
    return { m: p.m, publicKeys: p.pubkeys };
  } catch {
    return undefined;
  }
}

export function assembleWitness(signaturesInKeyOrder: readonly Uint8Array[], witnessScript: Uint8Array): Uint8Array[] {
  return [new Uint8Array(0), ...signaturesInKeyOrder, witnessScript];
}

/**
 * ECDSA verification, remembered (Bitcoin Core keeps a signature cache for the same reason). The
 * same witness is checked by the node that applies it, again when the transaction is broadcast, and,
 * in a simulation, by every node in the process: a verification is tens of microseconds, and most of
 * the bridge simulation's time was spent repeating them. The key is the whole input, so only an
 * identical question gets the remembered answer; the oldest answers are forgotten first.
 */
const SIGNATURE_CACHE_SIZE = 4_096;
const verifiedSignatures = new Map<string, boolean>();

function verifiedSignature(digest: Uint8Array, publicKey: Uint8Array, signature: Uint8Array): boolean {
  const key = `${toHex(digest)}:${toHex(publicKey)}:${toHex(signature)}`;
  const known = verifiedSignatures.get(key);
  if (known !== undefined) return known;
  const ok = ecc.verify(digest, publicKey, signature);
  if (verifiedSignatures.size >= SIGNATURE_CACHE_SIZE) verifiedSignatures.delete(verifiedSignatures.keys().next().value as string);
  verifiedSignatures.set(key, ok);
  return ok;
}

/**
 * Checks a witness the way CHECKMULTISIG does: the script is the expected one, and m DER signatures
 * with SIGHASH_ALL match the keys in order. Returns undefined when valid, else what is wrong.
 */
export function checkWitness(tx: bitcoin.Transaction, index: number, amountSats: bigint, witnessScript: Uint8Array, witness: readonly Uint8Array[]): string | undefined {
  const ms = multisigOf(witnessScript);
  if (ms === undefined) return `input ${index}: the expected witness script is not a multisig script`;
  if (witness.length !== ms.m + 2) return `input ${index}: witness has ${witness.length} items, ${ms.m + 2} expected`;
  if ((witness[0] as Uint8Array).length !== 0) return `input ${index}: the CHECKMULTISIG dummy item is not empty`;
  if (!equalBytes(witness[witness.length - 1] as Uint8Array, witnessScript)) return `input ${index}: witness script is not the federation's`;
  const digest = sighash(tx, index, witnessScript, amountSats);
  let k = 0;
  for (const raw of witness.slice(1, -1)) {
    let decoded: { signature: Uint8Array; hashType: number };
    try {
      decoded = bitcoin.script.signature.decode(raw);
    } catch {
      return `input ${index}: a signature is not DER-encoded`;
    }
    if (decoded.hashType !== SIGHASH_ALL) return `input ${index}: signature hash type ${decoded.hashType}, SIGHASH_ALL expected`;
    while (k < ms.publicKeys.length && !verifiedSignature(digest, ms.publicKeys[k] as Uint8Array, decoded.signature)) k++;
    if (k === ms.publicKeys.length) return `input ${index}: a signature matches no remaining federation key`;
    k++;
  }
  return undefined;
}

/** Applies hex witnesses to a copy of the transaction after checking every one of them. */
export function applyWitnesses(
  txHex: string,
  inputs: ReadonlyArray<{ readonly amountSats: bigint; readonly witnessScript: Uint8Array }>,
  witnessesHex: ReadonlyArray<readonly string[]>,
): { ok: true; tx: bitcoin.Transaction } | { ok: false; error: string } {
  let tx: bitcoin.Transaction;
  try {
    tx = bitcoin.Transaction.fromHex(txHex);
  } catch (err) {
    return { ok: false, error: `signed transaction does not decode: ${(err as Error).message}` };
  }
  if (witnessesHex.length !== tx.ins.length || inputs.length !== tx.ins.length) {
    return { ok: false, error: `${witnessesHex.length} witnesses for ${tx.ins.length} inputs` };
  }
  for (let i = 0; i < tx.ins.length; i++) {
    let stack: Uint8Array[];
    try {
      stack = (witnessesHex[i] as readonly string[]).map((h) => fromHex(h));
    } catch {
      return { ok: false, error: `input ${i}: witness item is not hex` };
    }
    const input = inputs[i] as { amountSats: bigint; witnessScript: Uint8Array };
    const bad = checkWitness(tx, i, input.amountSats, input.witnessScript, stack);
    if (bad !== undefined) return { ok: false, error: bad };
    tx.setWitness(i, stack);
  }
  return { ok: true, tx };
}
