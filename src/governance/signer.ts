// The governance side of signing, the HSM's role: it holds the federation's private keys (only here,
// in the governance server and the simulated governance, never in the Alys node) and signs a
// transaction only if it spends federation outputs and pays exactly the registered peg-outs, each its
// amount less a share of a bounded fee, with any change back to the federation. What it has signed
// is kept so that it never signs two different spends of one output or two payouts of one peg-out.
import type { BugSwitches } from '../kernel/bugs.ts';
import * as bitcoin from 'bitcoinjs-lib';
import { ECPairFactory, type ECPairInterface } from 'ecpair';
import * as ecc from 'tiny-secp256k1';
import { sha256 } from '../crypto/sha256.ts';
import { type BitcoinNetworkName, type Federation, federationFrom, scriptOfAddress } from '../bridge/federation.ts';
import { outpointOf } from '../bridge/pegout-tx.ts';
import { SIGHASH_ALL, assembleWitness, sighash } from '../bridge/witness.ts';
import { equalBytes, fromHex, toHex } from '../types/hex.ts';
import type { FederationUpdate, PegOutRegistration, RefusalReason, SignatureRequest, SignatureResponse } from './messages.ts';
import { refundRefusal } from './refund-policy.ts';

const ECPair = ECPairFactory(ecc);

/** What governance remembers across restarts. */
export interface SignedState {
  /** outpoint (txid:vout) → txid of the transaction signed to spend it. */
  readonly spentBy: Record<string, string>;
  /** pegOutId → txid of the transaction signed to pay it. */
  readonly paidBy: Record<string, string>;
  /** txid → signed transaction hex (with witnesses), to answer a repeated request identically. */
  readonly signedTx: Record<string, string>;
  readonly pegOuts: Record<string, { destination: string; amountSats: string; burnTxHash: string }>;
  /**
   * txid → Bitcoin height at which a signed transaction was voided: it could never confirm (an input
   * of it had been gone for voidAfterBlocks), so its peg-outs and its other inputs were released.
   */
  readonly voided?: Record<string, number>;
}

export interface SignedStore {
  load(): SignedState | undefined;
  /** Must be durable when it returns: a signature is released only after its record is saved. */
  save(state: SignedState): void;
}

export class MemorySignedStore implements SignedStore {
  private state: SignedState | undefined;
  load(): SignedState | undefined {
    return this.state === undefined ? undefined : structuredClone(this.state);
  }
  save(state: SignedState): void {
    this.state = structuredClone(state);
  }
}

export interface SignerOptions {
  readonly network: BitcoinNetworkName;
  /** The members' private keys governance holds (at least the threshold of them). */
  readonly privateKeys: readonly Uint8Array[];
  readonly threshold: number;
  readonly store: SignedStore;
  /** The most a transaction may pay in fees, in satoshis. */
  readonly maxFeeSats: bigint;
  readonly version?: number;
  /** Planted bugs (none in production: the governance server never passes any). */
  readonly bugs?: BugSwitches;
  /** Rotations already made (oldest first), replayed at start so a restarted governance keeps its history. */
  readonly rotations?: readonly FederationRotation[];
  /** Governance's view of Bitcoin; none: a signed transaction is never voided. */
  readonly chain?: SignedTxChainView;
  /**
   * Bitcoin blocks a signed transaction must have been unable to confirm (not in the chain or mempool,
   * an input gone) before it is voided: as deep as a deposit must be before it is minted, so only a
   * reorg deeper than the peg already trusts could bring it back. Default 6.
   */
  readonly voidAfterBlocks?: number;
}

/**
 * What governance sees of Bitcoin through its own node: enough to tell that a transaction it signed
 * can never confirm (a reorg double-spent an output it spends), so that a peg-out it paid can be paid
 * again from outputs that exist. Without one, what was signed stays signed for good.
 */
export interface SignedTxChainView {
  /** Height of Bitcoin's main chain. */
  tipHeight(): number;
  /** Whether the transaction is in the main chain or the mempool. */
  hasTransaction(txid: string): boolean;
  /** Whether the output (txid:vout) exists in the main chain or the mempool and nothing there spends it. */
  isSpendable(outpoint: string): boolean;
}

/** A later federation: its members' keys, and until which Bitcoin height the earlier addresses still count. */
export interface FederationRotation {
  readonly privateKeys: readonly Uint8Array[];
  readonly threshold: number;
  readonly previousValidUntilHeight: number;
}

interface Keyring {
  readonly federation: Federation;
  readonly keys: readonly ECPairInterface[];
  /** Announced with this federation: deposits to the earlier ones count up to this Bitcoin height. */
  readonly previousValidUntilHeight: number;
}

const emptyState = (): SignedState => ({ spentBy: {}, paidBy: {}, signedTx: {}, pegOuts: {} });

export class FederationSigner {
  private keyrings: Keyring[];
  private state: SignedState;
  private paused = false;
  /** Signed transactions seen unable to confirm: txid → Bitcoin height first seen so (not persisted: a restart waits again). */
  private readonly deadSince = new Map<string, number>();

  constructor(private readonly o: SignerOptions) {
    this.keyrings = [keyring(o.privateKeys, o.threshold, o.network, o.version ?? 1, 0)];
    for (const r of o.rotations ?? []) this.rotate(r.privateKeys, r.threshold, r.previousValidUntilHeight);
    this.state = o.store.load() ?? emptyState();
  }

  /** What governance has recorded (for checkers and the server's status). */
  signedState(): SignedState {
    return this.state;
  }

  /** Every federation version, newest first (public information). */
  get federations(): readonly Federation[] {
    return this.keyrings.map((k) => k.federation);
  }

  get current(): Federation {
    return (this.keyrings[0] as Keyring).federation;
  }

  /** The current federation's announcement. */
  federationUpdate(): FederationUpdate {
    return updateOf(this.keyrings[0] as Keyring);
  }

  /**
   * Every federation's announcement, oldest first: what a stream hears when it opens. A node that
   * was down across rotations learns each address and grace period, not only the newest.
   */
  federationUpdates(): FederationUpdate[] {
    return this.keyrings.map(updateOf).reverse();
  }

  /** New members (new keys, new address); the old keyring still signs spends of old outputs. */
  rotate(privateKeys: readonly Uint8Array[], threshold: number, previousValidUntilHeight: number): FederationUpdate {
    const next = keyring(privateKeys, threshold, this.o.network, this.current.version + 1, previousValidUntilHeight);
    this.keyrings = [next, ...this.keyrings];
    return this.federationUpdate();
  }

  /** Whether peg-outs are paused (an emergency proposal in force). */
  get isPaused(): boolean {
    return this.paused;
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
  }

  registerPegOut(r: PegOutRegistration): void {
    if (this.state.pegOuts[r.pegOutId] !== undefined) return;
    scriptOfAddress(r.destination, this.o.network);
    this.state = { ...this.state, pegOuts: { ...this.state.pegOuts, [r.pegOutId]: { destination: r.destination, amountSats: r.amountSats.toString(), burnTxHash: r.burnTxHash } } };
    this.o.store.save(this.state);
  }

  sign(req: SignatureRequest): SignatureResponse {
    const refuse = (reason: RefusalReason, detail: string, conflictingTxHex?: string): SignatureResponse => ({
      kind: 'refused',
      requestId: req.requestId,
      reason,
      detail,
      ...(conflictingTxHex !== undefined ? { conflictingTxHex } : {}),
    });
    // A lookup (no transaction): a node that cannot build a payout (its peers already spent the
    // federation's outputs on it) asks what was signed for these peg-outs. Answering with a
    // transaction already signed releases no new signature, so it is allowed even while paused.
    if (req.txHex === '') {
      for (const id of req.pegOutIds) this.voidIfDead(this.state.paidBy[id]);
      const paidBy = req.pegOutIds.map((id) => this.state.paidBy[id]);
      const first = paidBy[0];
      if (first !== undefined && paidBy.every((t) => t === first)) return this.answer(req.requestId, first);
      return refuse('malformed-transaction', `lookup: nothing signed pays ${req.pegOutIds.join(', ') || 'no peg-out'}`);
    }
    if (this.paused) return refuse('paused', 'governance paused peg-outs (emergency pause)');
    let tx: bitcoin.Transaction;
    try {
      tx = bitcoin.Transaction.fromHex(req.txHex);
    } catch (err) {
      return refuse('malformed-transaction', `does not decode: ${(err as Error).message}`);
    }
    if (tx.ins.length === 0 || req.inputs.length !== tx.ins.length) return refuse('malformed-transaction', `${req.inputs.length} input descriptions for ${tx.ins.length} inputs`);
    if (tx.ins.some((i) => i.witness.length > 0)) return refuse('malformed-transaction', 'the transaction already carries witnesses');
    const txid = tx.getId();
    // What this request conflicts with may be a transaction a reorg killed: released first, so the
    // peg-out is paid again from outputs that exist instead of by a payout that can never confirm.
    for (const id of req.pegOutIds) if (this.state.paidBy[id] !== txid) this.voidIfDead(this.state.paidBy[id]);
    for (const i of tx.ins) if (this.state.spentBy[outpointOf(i)] !== txid) this.voidIfDead(this.state.spentBy[outpointOf(i)]);
    if (req.refund !== undefined) return this.signRefund(req, tx, refuse);
    // The same peg-outs already paid by a signed transaction: answer with that one, identically.
    // The planted bug governance-forget-signed consults no record of what was signed before.
    const forget = this.o.bugs?.has('governance-forget-signed') === true;
    const paid = forget ? [] : req.pegOutIds.map((id) => this.state.paidBy[id]).filter((t): t is string => t !== undefined);
    if (paid.length > 0) {
      const first = paid[0] as string;
      if (first !== txid) {
        if (paid.every((t) => t === first) && paid.length === req.pegOutIds.length) return this.answer(req.requestId, first);
        return refuse('input-already-signed', `peg-outs of this request are already paid by ${first}`, this.state.signedTx[first]);
      }
    }
    if (this.state.voided?.[txid] !== undefined) return refuse('input-already-signed', `${txid} was voided: it can never confirm`);
    if (this.state.signedTx[txid] !== undefined) return this.answer(req.requestId, txid);
    // Inputs: federation outputs only, never one already signed into another transaction.
    const rings: Keyring[] = [];
    let inSum = 0n;
    for (let i = 0; i < tx.ins.length; i++) {
      const d = req.inputs[i];
      if (d === undefined || d.index !== i) return refuse('malformed-transaction', `input ${i} is not described`);
      let script: Uint8Array;
      try {
        script = fromHex(d.witnessScriptHex);
      } catch {
        return refuse('malformed-transaction', `input ${i}: witness script is not hex`);
      }
      const ring = this.keyrings.find((k) => equalBytes(k.federation.witnessScript, script));
      if (ring === undefined) return refuse('unknown-input', `input ${i} does not spend a federation output`);
      if (d.amountSats <= 0n) return refuse('malformed-transaction', `input ${i}: amount ${d.amountSats}`);
      const op = outpointOf(tx.ins[i] as bitcoin.Transaction['ins'][number]);
      const other = forget ? undefined : this.state.spentBy[op];
      if (other !== undefined && other !== txid) return refuse('input-already-signed', `${op} is already spent by ${other}`, this.state.signedTx[other]);
      rings.push(ring);
      inSum += d.amountSats;
    }
    // No peg-out: a sweep (outputs of earlier federations moved to the current one) or a
    // consolidation (several outputs of the current federation merged into one), nothing else.
    if (req.pegOutIds.length === 0) {
      const currentInputs = rings.filter((r) => r === this.keyrings[0]).length;
      if (currentInputs > 0 && currentInputs < rings.length) return refuse('unexpected-output', 'a sweep spends only outputs of earlier federations, a consolidation only the current one\'s');
      if (currentInputs > 0 && currentInputs < 2) return refuse('unexpected-output', 'a consolidation merges at least two outputs');
      if (tx.outs.length !== 1 || !equalBytes((tx.outs[0] as bitcoin.Transaction['outs'][number]).script, this.current.scriptPubKey)) {
        return refuse('unexpected-output', 'a sweep pays exactly one output, to the current federation');
      }
      const fee = inSum - (tx.outs[0] as bitcoin.Transaction['outs'][number]).value;
      if (fee < 0n) return refuse('malformed-transaction', 'outputs exceed inputs');
      if (fee > this.o.maxFeeSats) return refuse('fee-too-high', `fee ${fee} exceeds ${this.o.maxFeeSats} satoshis`);
      return this.signAndRecord(req, tx, rings);
    }
    // Outputs: exactly the registered peg-outs, in order, then at most one change output.
    if (new Set(req.pegOutIds).size !== req.pegOutIds.length) return refuse('wrong-payout', 'a peg-out is named twice');
    if (tx.outs.length < req.pegOutIds.length || tx.outs.length > req.pegOutIds.length + 1) {
      return refuse('unexpected-output', `${tx.outs.length} outputs for ${req.pegOutIds.length} peg-outs and at most one change`);
    }
    let fee = inSum;
    let owedMinusPaid = 0n;
    for (const [i, id] of req.pegOutIds.entries()) {
      const reg = this.state.pegOuts[id];
      if (reg === undefined) return refuse('unregistered-peg-out', `peg-out ${id} is not registered`);
      const out = tx.outs[i] as bitcoin.Transaction['outs'][number];
      if (!equalBytes(out.script, scriptOfAddress(reg.destination, this.o.network))) return refuse('wrong-payout', `output ${i} does not pay ${reg.destination}`);
      const amount = BigInt(reg.amountSats);
      if (out.value > amount || out.value <= 0n) return refuse('wrong-payout', `output ${i} pays ${out.value} for a peg-out of ${amount}`);
      owedMinusPaid += amount - out.value;
      fee -= out.value;
    }
    const change = tx.outs[req.pegOutIds.length];
    if (change !== undefined) {
      if (!equalBytes(change.script, this.current.scriptPubKey)) return refuse('unexpected-output', 'the last output pays neither a peg-out nor the current federation');
      fee -= change.value;
    }
    if (fee < 0n) return refuse('malformed-transaction', 'outputs exceed inputs');
    // What the peg-outs gave up is exactly the fee: nothing leaks to anyone else.
    if (fee !== owedMinusPaid) return refuse('wrong-payout', `fee ${fee} but peg-outs gave up ${owedMinusPaid}`);
    if (fee > this.o.maxFeeSats) return refuse('fee-too-high', `fee ${fee} exceeds ${this.o.maxFeeSats} satoshis`);
    return this.signAndRecord(req, tx, rings);
  }

  /** A rejected deposit's refund (src/governance/refund-policy.ts): once per output, like any spend. */
  private signRefund(req: SignatureRequest, tx: bitcoin.Transaction, refuse: (reason: RefusalReason, detail: string, conflictingTxHex?: string) => SignatureResponse): SignatureResponse {
    const checked = refundRefusal(req, tx, { federations: this.federations, network: this.o.network, maxFeeSats: this.o.maxFeeSats });
    if (!checked.ok) return refuse(checked.reason, checked.detail);
    const txid = tx.getId();
    const op = outpointOf(tx.ins[0] as bitcoin.Transaction['ins'][number]);
    const other = this.state.spentBy[op];
    if (other !== undefined && other !== txid) return refuse('input-already-signed', `${op} is already spent by ${other}`, this.state.signedTx[other]);
    if (this.state.signedTx[txid] !== undefined) return this.answer(req.requestId, txid);
    const ring = this.keyrings.find((k) => k.federation.version === checked.claim.federation.version) as Keyring;
    return this.signAndRecord(req, tx, [ring]);
  }

  private signAndRecord(req: SignatureRequest, tx: bitcoin.Transaction, rings: readonly Keyring[]): SignatureResponse {
    const txid = tx.getId();
    for (let i = 0; i < tx.ins.length; i++) {
      const d = req.inputs[i] as SignatureRequest['inputs'][number];
      const ring = rings[i] as Keyring;
      const digest = sighash(tx, i, ring.federation.witnessScript, d.amountSats);
      const sigs = ring.federation.publicKeys
        .map((pk) => ring.keys.find((k) => equalBytes(k.publicKey, pk)))
        .filter((k): k is ECPairInterface => k !== undefined)
        .slice(0, ring.federation.threshold)
        .map((k) => bitcoin.script.signature.encode(k.sign(digest), SIGHASH_ALL));
      tx.setWitness(i, assembleWitness(sigs, ring.federation.witnessScript));
    }
    const spentBy = { ...this.state.spentBy };
    for (const input of tx.ins) spentBy[outpointOf(input)] = txid;
    const paidBy = { ...this.state.paidBy };
    for (const id of req.pegOutIds) paidBy[id] = txid;
    this.state = { ...this.state, spentBy, paidBy, signedTx: { ...this.state.signedTx, [txid]: tx.toHex() } };
    // Durable before released: after a crash governance still knows it signed this.
    this.o.store.save(this.state);
    return this.answer(req.requestId, txid);
  }

  /**
   * Voids a signed transaction that can never confirm: absent from Bitcoin's chain and mempool while
   * an output it spends has been gone (double-spent away by a reorg, or spent by another transaction)
   * for voidAfterBlocks blocks. Its peg-outs and its inputs that still exist are released, so no
   * payout is stuck behind it and no federation output is locked by it; whatever governance signs
   * next cannot confirm alongside it. Returns whether it is void.
   */
  private voidIfDead(txid: string | undefined): boolean {
    const view = this.o.chain;
    if (txid === undefined || view === undefined) return false;
    if (this.state.voided?.[txid] !== undefined) return true;
    const hex = this.state.signedTx[txid];
    if (hex === undefined) return false;
    const tx = bitcoin.Transaction.fromHex(hex);
    const tip = view.tipHeight();
    // Planted bug governance-void-live: whatever a request conflicts with is voided at once, live or not.
    if (this.o.bugs?.has('governance-void-live') !== true) {
      if (view.hasTransaction(txid) || tx.ins.every((i) => view.isSpendable(outpointOf(i)))) {
        this.deadSince.delete(txid);
        return false;
      }
      const since = this.deadSince.get(txid) ?? tip;
      this.deadSince.set(txid, since);
      if (tip - since < (this.o.voidAfterBlocks ?? 6)) return false;
    }
    this.deadSince.delete(txid);
    const keep = (r: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(r).filter(([, t]) => t !== txid));
    this.state = { ...this.state, spentBy: keep(this.state.spentBy), paidBy: keep(this.state.paidBy), voided: { ...this.state.voided, [txid]: tip } };
    this.o.store.save(this.state);
    return true;
  }

  /**
   * Signs any spend of federation outputs with no policy check and no record: what a compromised
   * governance could do. Only the simulation's Byzantine governance calls it, to prove that Alys
   * checks what it is given before it broadcasts.
   */
  signWithoutPolicy(txHex: string, amounts: readonly bigint[]): { txHex: string; witnesses: string[][] } {
    const tx = bitcoin.Transaction.fromHex(txHex);
    const witnesses: string[][] = [];
    tx.ins.forEach((_, i) => {
      const ring = this.keyrings[0] as Keyring;
      const digest = sighash(tx, i, ring.federation.witnessScript, amounts[i] ?? 0n);
      const sigs = ring.keys.slice(0, ring.federation.threshold).map((k) => ({ k, sig: bitcoin.script.signature.encode(k.sign(digest), SIGHASH_ALL) }));
      const ordered = ring.federation.publicKeys.flatMap((pk) => sigs.filter((x) => equalBytes(x.k.publicKey, pk)).map((x) => x.sig));
      witnesses.push(assembleWitness(ordered, ring.federation.witnessScript).map(toHex));
    });
    return { txHex: tx.toHex(), witnesses };
  }

  private answer(requestId: string, txid: string): SignatureResponse {
    const tx = bitcoin.Transaction.fromHex(this.state.signedTx[txid] as string);
    const witnesses = tx.ins.map((i) => i.witness.map(toHex));
    for (const i of tx.ins) i.witness = [];
    return { kind: 'signed', requestId, txHex: tx.toHex(), witnesses };
  }
}

function keyring(privateKeys: readonly Uint8Array[], threshold: number, network: BitcoinNetworkName, version: number, previousValidUntilHeight: number): Keyring {
  const keys = privateKeys.map((k) => ECPair.fromPrivateKey(k));
  const federation = federationFrom(
    keys.map((k) => k.publicKey),
    threshold,
    network,
    version,
  );
  return { federation, keys, previousValidUntilHeight };
}

function updateOf(k: Keyring): FederationUpdate {
  const f = k.federation;
  return {
    version: f.version,
    threshold: f.threshold,
    publicKeysHex: f.publicKeys.map(toHex),
    address: f.address,
    witnessScriptHex: toHex(f.witnessScript),
    previousValidUntilHeight: k.previousValidUntilHeight,
  };
}

/** Deterministic member keys for tests, devnets and the simulation (never for real funds). */
export function devMemberKeys(label: string, n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => sha256(new TextEncoder().encode(`alys-dev-federation:${label}:${i}`)));
}
