// The federation as Alys sees it: public keys and a threshold, nothing secret. Its address is a
// P2WSH output of an m-of-n CHECKMULTISIG witness script; keys are sorted (as BIP67 does) so every
// node and governance derive the same script from the same set.
import * as bitcoin from 'bitcoinjs-lib';
import { compareBytes, fromHex, toHex } from '../types/hex.ts';

export type BitcoinNetworkName = 'regtest' | 'testnet' | 'mainnet';

export function networkOf(name: BitcoinNetworkName): bitcoin.Network {
  return name === 'mainnet' ? bitcoin.networks.bitcoin : name === 'testnet' ? bitcoin.networks.testnet : bitcoin.networks.regtest;
}

export interface Federation {
  readonly version: number;
  readonly threshold: number;
  readonly publicKeys: readonly Uint8Array[];
  readonly witnessScript: Uint8Array;
  /** The output script deposits pay (OP_0 <sha256(witnessScript)>). */
  readonly scriptPubKey: Uint8Array;
  readonly address: string;
  readonly network: BitcoinNetworkName;
}

export class FederationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FederationError';
  }
}

export function federationFrom(publicKeys: readonly Uint8Array[], threshold: number, network: BitcoinNetworkName, version = 1): Federation {
  if (publicKeys.length === 0 || publicKeys.length > 15) throw new FederationError(`a federation has 1 to 15 members, not ${publicKeys.length}`);
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > publicKeys.length) {
    throw new FederationError(`threshold ${threshold} is not between 1 and ${publicKeys.length}`);
  }
  for (const k of publicKeys) if (k.length !== 33) throw new FederationError(`member key ${toHex(k).slice(0, 16)} is not a 33-byte compressed key`);
  const sorted = [...publicKeys].sort(compareBytes);
  const net = networkOf(network);
  const redeem = bitcoin.payments.p2ms({ m: threshold, pubkeys: sorted, network: net });
  const p2wsh = bitcoin.payments.p2wsh({ redeem, network: net });
  return {
    version,
    threshold,
    publicKeys: sorted,
    witnessScript: redeem.output as Uint8Array,
    scriptPubKey: p2wsh.output as Uint8Array,
    address: p2wsh.address as string,
    network,
  };
}

export function federationFromHex(keysHex: readonly string[], threshold: number, network: BitcoinNetworkName, version = 1): Federation {
  return federationFrom(keysHex.map((k) => fromHex(k)), threshold, network, version);
}

/** The output script of a Bitcoin address, or a FederationError naming what is wrong with it. */
export function scriptOfAddress(address: string, network: BitcoinNetworkName): Uint8Array {
  try {
    return bitcoin.address.toOutputScript(address, networkOf(network));
  } catch (err) {
    throw new FederationError(`'${address}' is not a ${network} Bitcoin address (${(err as Error).message})`);
  }
}

export function addressOfScript(script: Uint8Array, network: BitcoinNetworkName): string | undefined {
  try {
    return bitcoin.address.fromOutputScript(script, networkOf(network));
  } catch {
    return undefined;
  }
}
