// Satoshis on Bitcoin, wei on Alys: 1 satoshi = 10 gwei = 10^10 wei, as the Rust Alys has it
// (8 decimals to 18). Engine API withdrawals count gwei, so a peg-in of s satoshis is a withdrawal
// of 10·s gwei.
export const WEI_PER_SAT = 10_000_000_000n;
export const GWEI_PER_SAT = 10n;

export const satsToWei = (sats: bigint): bigint => sats * WEI_PER_SAT;
export const satsToGwei = (sats: bigint): bigint => sats * GWEI_PER_SAT;

/** A burn of `wei` pays floor(wei / 10^10) satoshis; the remainder below a satoshi stays burned. */
export const weiToSats = (wei: bigint): bigint => wei / WEI_PER_SAT;
