// Transactions for a prebuilt chain, so Geth has real execution work when it imports it: ETH
// transfers and calls of a tiny storage contract, signed with viem from the dev account (funded in
// harness/geth.ts devGenesis) and put into Geth's pool before each block is built.
import { type Hex, getContractAddress, numberToHex, parseGwei } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { DEV_CHAIN_ID, DEV_USER_KEY, type GethProcess } from './geth.ts';

/** Runtime code: SSTORE(0, CALLDATALOAD(0)); STOP. Each call writes a new value, so it costs a storage write. */
const RUNTIME = '60003560005500';
/** Init code: CODECOPY the 7-byte runtime from offset 12 and RETURN it. */
const INIT: Hex = `0x6007600c60003960076000f3${RUNTIME}`;

export interface ChainTxs {
  /** For prebuildChain's beforeBlock: puts the block's transactions into Geth's pool, pending, and returns how many. */
  readonly beforeBlock: (height: number) => Promise<number>;
  /** For prebuildChain's whileBuilding: signs the next block's transactions while Geth builds this one. */
  readonly whileBuilding: (height: number) => Promise<void>;
  readonly sent: () => number;
}

/** JSON-RPC calls in one batch: their results in order, or the first error, named by its method. */
async function rpcBatch(url: string, calls: ReadonlyArray<{ method: string; params: unknown[] }>): Promise<unknown[]> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(calls.map((c, id) => ({ jsonrpc: '2.0', id, ...c }))) });
  // A batch's answers may come in any order: put them back in the calls' order by id.
  const out = ((await res.json()) as Array<{ id: number; result?: unknown; error?: { message: string } }>).sort((a, b) => a.id - b.id);
  const bad = out.findIndex((r) => r.error !== undefined);
  if (bad >= 0) throw new Error(`${calls[bad]?.method}: ${out[bad]?.error?.message}`);
  return out.map((r) => r.result);
}

const PENDING_POLL_MS = 5;
const PENDING_POLLS = 2_000;

async function pendingNonce(url: string, address: Hex): Promise<number> {
  const [count] = await rpcBatch(url, [{ method: 'eth_getTransactionCount', params: [address, 'pending'] }]);
  return Number(count);
}

/**
 * `transfers` ETH transfers (to distinct fresh addresses) and `calls` contract calls per block; the
 * contract is deployed by the first block's first transaction. Signing (about 1 ms a transaction)
 * is most of a block's build time, so the next block's are signed while Geth builds the current one.
 */
export function chainTxs(geth: GethProcess, o: { readonly transfers: number; readonly calls: number }): ChainTxs {
  const account = privateKeyToAccount(DEV_USER_KEY);
  const contract = getContractAddress({ from: account.address, nonce: 0n });
  let nonce = 0;
  let sent = 0;
  const signed = new Map<number, Hex[]>();
  const fees = { maxFeePerGas: parseGwei('20'), maxPriorityFeePerGas: parseGwei('1'), chainId: DEV_CHAIN_ID, type: 'eip1559' as const };
  // Heights are signed in order (nonces follow), each once.
  const sign = async (height: number): Promise<Hex[]> => {
    const ready = signed.get(height);
    if (ready !== undefined) return ready;
    const raw: Hex[] = [];
    if (nonce === 0 && (o.calls > 0 || o.transfers > 0)) raw.push(await account.signTransaction({ ...fees, nonce: nonce++, gas: 100_000n, data: INIT }));
    for (let i = 0; i < o.transfers; i++) {
      const to = numberToHex(BigInt(height) * 1_000_000n + BigInt(i) + 1n, { size: 20 });
      raw.push(await account.signTransaction({ ...fees, nonce: nonce++, gas: 21_000n, to, value: 1_000_000_000n }));
    }
    for (let i = 0; i < o.calls; i++) {
      const data = numberToHex(BigInt(height) * 1_000n + BigInt(i) + 1n, { size: 32 });
      raw.push(await account.signTransaction({ ...fees, nonce: nonce++, gas: 60_000n, to: contract, data }));
    }
    signed.set(height, raw);
    return raw;
  };
  return {
    sent: () => sent,
    whileBuilding: async (height) => {
      await sign(height + 1);
    },
    beforeBlock: async (height) => {
      const raw = await sign(height);
      signed.delete(height);
      if (raw.length === 0) return 0;
      await rpcBatch(geth.rpcUrl, raw.map((r) => ({ method: 'eth_sendRawTransaction', params: [r] })));
      sent += raw.length;
      // Geth promotes sent transactions to pending on its own schedule; a build started before
      // that leaves them out. The pool's pending nonce counts the promoted ones.
      for (let i = 0; (await pendingNonce(geth.rpcUrl, account.address)) < sent; i++) {
        if (i === PENDING_POLLS) throw new Error(`Geth's pool did not make ${raw.length} sent transactions pending within ${PENDING_POLLS * PENDING_POLL_MS} ms`);
        await new Promise((r) => setTimeout(r, PENDING_POLL_MS));
      }
      return raw.length;
    },
  };
}
