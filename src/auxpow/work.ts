// The miner-facing side of AuxPow: `createauxblock` hands out work for the current bundle and
// remembers it; `submitauxblock` accepts a proof only for work it issued, checks it, and returns the
// finalization it enables. Pure: the AuxPowActor owns one of these.
import { fromHex, toHex } from '../types/hex.ts';
import { AuxPowError, checkAuxPow, decodeAuxPow } from './auxpow.ts';
import { bitsToTarget } from './bitcoin.ts';

export interface AuxBlock {
  readonly hash: string;
  readonly chainid: number;
  readonly previousblockhash: string;
  readonly coinbasevalue: number;
  readonly bits: string;
  readonly height: number;
  readonly _target: string;
}

export interface IssuedWork {
  readonly auxHash: Uint8Array;
  readonly rangeStart: Uint8Array;
  readonly rangeEnd: Uint8Array;
  readonly height: number;
  readonly bits: number;
}

export type SubmitResult = { readonly ok: true; readonly work: IssuedWork; readonly auxPow: Uint8Array } | { readonly ok: false; readonly error: string };

export class AuxWork {
  private readonly issued = new Map<string, IssuedWork>();
  private readonly order: string[] = [];

  constructor(
    private readonly chainId: number,
    private readonly keep = 64,
  ) {}

  create(work: IssuedWork, feeRewardSats = 0): AuxBlock {
    const key = toHex(work.auxHash);
    if (!this.issued.has(key)) {
      this.issued.set(key, work);
      this.order.push(key);
      while (this.order.length > this.keep) this.issued.delete(this.order.shift() as string);
    }
    return {
      hash: key,
      chainid: this.chainId,
      previousblockhash: toHex(work.rangeStart),
      coinbasevalue: feeRewardSats,
      bits: work.bits.toString(16).padStart(8, '0'),
      height: work.height,
      _target: bitsToTarget(work.bits).toString(16).padStart(64, '0'),
    };
  }

  submit(hashHex: string, auxPowHex: string): SubmitResult {
    const work = this.issued.get(hashHex.toLowerCase());
    if (work === undefined) return { ok: false, error: `unknown or stale work ${hashHex.slice(0, 16)}` };
    const bytes = auxPowBytes(auxPowHex);
    if (bytes === undefined) return { ok: false, error: 'auxpow is not hex' };
    try {
      checkAuxPow(decodeAuxPow(bytes), work.auxHash, this.chainId, work.bits);
    } catch (err) {
      if (err instanceof AuxPowError) return { ok: false, error: err.message };
      throw err;
    }
    this.issued.delete(hashHex.toLowerCase());
    return { ok: true, work, auxPow: bytes };
  }
}

/** The proof's bytes from a miner's hex (bare, at least one byte), or undefined when it is not that. */
function auxPowBytes(hex: string): Uint8Array | undefined {
  if (hex.length === 0 || hex.startsWith('0x') || hex.startsWith('0X')) return undefined;
  try {
    return fromHex(hex);
  } catch (err) {
    if (err instanceof TypeError) return undefined;
    throw err;
  }
}
