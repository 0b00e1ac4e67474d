// The bridge contract predeployed at 0xbBbB…bBbB in the dev execution genesis: contracts/Bridge.sol,
// compiled by scripts/bridge-contract.mjs (pinned solc) into contracts/Bridge.runtime.hex. Predeployed
// as runtime code, so its two settings live in the account's storage: slot 0 the minimum peg-out in
// wei, slot 1 the Bitcoin network (0 mainnet, 1 testnet, 2 regtest).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Account, type Chain, type Hex, type Transport, type WalletClient, toHex } from 'viem';
import { bridgeContractAbi } from '../src/bridge/bridge-abi.ts';
import { type BitcoinNetworkName } from '../src/bridge/federation.ts';
import { DEFAULT_MIN_PEGOUT_SATS, bridgeNetworkCode } from '../src/bridge/pegout-request.ts';
import { WEI_PER_SAT } from '../src/bridge/amounts.ts';

export const BRIDGE_CONTRACT_ADDRESS = '0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

export const BRIDGE_CONTRACT_CODE = readFileSync(join(import.meta.dirname, '..', 'contracts', 'Bridge.runtime.hex'), 'utf8').trim();

const slot = (n: bigint): string => `0x${n.toString(16).padStart(64, '0')}`;

/** The genesis account of the bridge contract. */
export function bridgeGenesisAccount(o: { minPegOutSats?: bigint; network?: BitcoinNetworkName } = {}): { balance: string; code: string; storage: Record<string, string> } {
  return {
    balance: '0x0',
    code: BRIDGE_CONTRACT_CODE,
    storage: {
      [slot(0n)]: slot((o.minPegOutSats ?? DEFAULT_MIN_PEGOUT_SATS) * WEI_PER_SAT),
      [slot(1n)]: slot(bridgeNetworkCode(o.network ?? 'regtest')),
    },
  };
}

/**
 * A burn as a wallet makes it: `requestPegOut(bytes)` through viem with the contract's ABI (viem
 * estimates gas first, so a burn the contract would revert throws with the contract's error). With
 * `gas` the estimate is skipped and the transaction is sent anyway (to see a revert on chain).
 */
export function requestPegOut(wallet: WalletClient<Transport, Chain, Account>, destination: string, wei: bigint, gas?: bigint): Promise<Hex> {
  return wallet.writeContract({
    address: BRIDGE_CONTRACT_ADDRESS,
    abi: bridgeContractAbi,
    functionName: 'requestPegOut',
    args: [toHex(new TextEncoder().encode(destination))],
    value: wei,
    ...(gas !== undefined ? { gas } : {}),
  });
}
