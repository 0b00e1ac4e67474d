// Burns on the bridge contract (contracts/Bridge.sol): `RequestPegOut(address indexed _evmAddress,
// bytes _bitcoinAddress, uint256 _value)` at 0xbBbB…bBbB, as the Alys bridge contract emits them.
// Decoding goes through viem's ABI decoder with the contract's compiled ABI; a log that does not
// decode, names no valid Bitcoin address or pays less than the minimum is a named rejection (the
// contract reverts on most of these, so none takes value; the node checks again what it cannot).
import { decodeEventLog, encodeAbiParameters, encodeEventTopics, type Hex } from 'viem';
import type { EvmLog } from '../io/execution.ts';
import { weiToSats } from './amounts.ts';
import { bridgeContractAbi } from './bridge-abi.ts';
import { type BitcoinNetworkName, scriptOfAddress } from './federation.ts';

export const BRIDGE_ADDRESS = '0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

/** Alys's default minimum peg-out: below it a payout's fee is too large a share (and may make it dust). */
export const DEFAULT_MIN_PEGOUT_SATS = 1_000_000n;

/** The bridge contract's network code (genesis storage slot 1). */
export const bridgeNetworkCode = (n: BitcoinNetworkName): bigint => (n === 'mainnet' ? 0n : n === 'testnet' ? 1n : 2n);

export interface PegOutRequest {
  /** burn transaction hash and log index: unique per burn. */
  readonly id: string;
  readonly burnTxHash: string;
  readonly evmAddress: string;
  readonly destination: string;
  readonly amountSats: bigint;
}

/** Why a burn is refused: the first three when its log is read, the last when its payout is built. */
export type PegOutRejection = 'PEGOUT_UNDECODABLE_LOG' | 'PEGOUT_BAD_DESTINATION' | 'PEGOUT_BELOW_MINIMUM' | 'PEGOUT_PAYOUT_BELOW_DUST';

/** A burn the node will not pay, with what could be read of it. */
export interface RefusedPegOut {
  readonly id: string;
  readonly burnTxHash: string;
  readonly destination: string;
  readonly amountSats: bigint;
  readonly reason: PegOutRejection;
  readonly detail: string;
}

export type DecodedPegOut = { readonly ok: true; readonly request: PegOutRequest } | ({ readonly ok: false } & RefusedPegOut);

export function decodePegOutLog(log: EvmLog, network: BitcoinNetworkName, minSats: bigint): DecodedPegOut {
  const id = `${log.transactionHash}:${log.logIndex}`;
  let args: { _evmAddress: string; _bitcoinAddress: Hex; _value: bigint };
  try {
    const d = decodeEventLog({ abi: bridgeContractAbi, eventName: 'RequestPegOut', data: log.data as Hex, topics: log.topics as [Hex, ...Hex[]] });
    args = d.args;
  } catch (err) {
    return { ok: false, id, burnTxHash: log.transactionHash, destination: '', amountSats: 0n, reason: 'PEGOUT_UNDECODABLE_LOG', detail: `log ${id} is not a RequestPegOut (${(err as Error).message.split('\n')[0]})` };
  }
  const destination = Buffer.from(args._bitcoinAddress.slice(2), 'hex').toString('utf8');
  const amountSats = weiToSats(args._value);
  const refused = { ok: false as const, id, burnTxHash: log.transactionHash, destination, amountSats };
  try {
    scriptOfAddress(destination, network);
  } catch (err) {
    return { ...refused, reason: 'PEGOUT_BAD_DESTINATION', detail: (err as Error).message };
  }
  if (amountSats < minSats) return { ...refused, reason: 'PEGOUT_BELOW_MINIMUM', detail: `burn of ${amountSats} satoshis is below the minimum ${minSats}` };
  return {
    ok: true,
    request: { id, burnTxHash: log.transactionHash, evmAddress: args._evmAddress.toLowerCase(), destination, amountSats },
  };
}

/** The log the bridge contract emits for a burn (the simulated execution client uses it). */
export function encodePegOutLog(evmAddress: Hex, destination: string, wei: bigint): { topics: string[]; data: string } {
  const topics = encodeEventTopics({ abi: bridgeContractAbi, eventName: 'RequestPegOut', args: { _evmAddress: evmAddress } }) as string[];
  const data = encodeAbiParameters([{ type: 'bytes' }, { type: 'uint256' }], [`0x${Buffer.from(destination, 'utf8').toString('hex')}`, wei]);
  return { topics, data };
}
