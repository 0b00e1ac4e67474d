// The peg's part of the real devnet's output: the settings users need at start (confirmations,
// minimum peg-out, federation address), and each node's peg-ins and peg-outs on the status line,
// read from the node's own status (status.pegs), so the devnet shows what the nodes report.
import { DEFAULT_MIN_PEGOUT_SATS } from '../src/bridge/pegout-request.ts';

export interface DevnetPegSettings {
  readonly depositConfirmations: number;
  readonly minPegOutSats?: bigint;
  readonly federationAddress: string;
}

const btc = (sats: bigint): string => `${sats / 100_000_000n}.${(sats % 100_000_000n).toString().padStart(8, '0').replace(/0+$/, '') || '0'}`;

/** The line printed at start. */
export function pegSettingsLine(s: DevnetPegSettings): string {
  const min = s.minPegOutSats ?? DEFAULT_MIN_PEGOUT_SATS;
  return `devnet: peg: deposits to ${s.federationAddress} (with an OP_RETURN naming the EVM address) are minted after ${s.depositConfirmations} Bitcoin confirmations; burns (requestPegOut on 0xbBbB…bBbB) of at least ${min} sat (${btc(min)} BTC) are paid, less the Bitcoin fee`;
}

/** What `status` returns under `pegs` (src/node/peg-report.ts). */
export interface PegsStatus {
  readonly pegIns?: { readonly found: number; readonly minted: number; readonly rejected: number };
  readonly pegOuts?: { readonly operations: number; readonly completed: number; readonly refused: number };
}

/** One node's peg cell on the status line. */
export function pegStatusCell(p: PegsStatus | null | undefined): string {
  if (p === null || p === undefined) return 'no peg';
  const i = p.pegIns;
  const o = p.pegOuts;
  const ins = i === undefined ? 'peg-in ?' : `peg-in ${i.minted}/${i.found}${i.rejected > 0 ? ` (${i.rejected} rejected)` : ''}`;
  const outs = o === undefined ? 'peg-out ?' : `peg-out ${o.completed}/${o.operations}${o.refused > 0 ? ` (${o.refused} refused)` : ''}`;
  return `${ins} ${outs}`;
}
