// The simulated merged miners have a fixed hashrate, so the AuxPow difficulty settles where they can
// meet it, as it does for real miners. A miner that ground on until it won made every retarget a
// little harder (a spacing of 3 then 5 slots multiplies the target by 0.94) with nothing to push
// back, and two simulated hours of `happy` ended up hashing tens of thousands of nonces a round.
import { describe, expect, it } from 'vitest';
import { bitsToTarget } from '../../src/auxpow/bitcoin.ts';
import type { ChainView } from '../../src/chain/chain-view.ts';
import { runSimulation } from '../../sim/runner.ts';
import { loadScenario } from '../../sim/scenarios/index.ts';

/** The expected nonces per proof of each AuxPow the chain carries, oldest first, with its slot. */
async function difficulty(minerHashesPerRound: number): Promise<{ ok: boolean; proofs: Array<{ slot: number; hashes: number }> }> {
  const base = loadScenario('happy');
  const proofs: Array<{ slot: number; hashes: number }> = [];
  const r = await runSimulation({
    scenario: { ...base, durationMs: 45 * 60_000, chain: { ...base.chain, minerHashesPerRound } },
    seed: 1,
    inspect: (world) => {
      const view = world.snapshots().find((n) => n.id === 'n0')?.view as ChainView | undefined;
      for (let h = 1; h <= (view?.headHeight ?? 0); h++) {
        const m = view?.reads?.block({ height: h })?.block.message;
        if (m?.auxPowHeader) proofs.push({ slot: m.slot, hashes: Number(2n ** 256n / (bitsToTarget(m.auxPowHeader.bits) + 1n)) });
      }
    },
  });
  return { ok: r.ok, proofs };
}

describe('the simulated miners', () => {
  it('meet a difficulty their hashrate can reach, and finality keeps pace with the miner', async () => {
    const { ok, proofs } = await difficulty(8);
    expect(ok).toBe(true);
    // A round every 8 s for 45 minutes: 337 rounds, of which nearly every one finds a proof (320).
    expect(proofs.length).toBeGreaterThan(300);
    // After 30 minutes (slot 900) the difficulty still asks for 2 or 3 nonces a proof.
    const late = proofs.filter((p) => p.slot > 900);
    expect(Math.max(...late.map((p) => p.hashes))).toBeLessThanOrEqual(2 * 8);
  });

  it('with the hashrate of a miner that grinds until it wins, the difficulty climbs out of reach', async () => {
    const { proofs } = await difficulty(100_000);
    // 2 nonces a proof at first, about 100 after 45 minutes, and it does not stop there.
    const late = proofs.filter((p) => p.slot > 900);
    expect(Math.max(...late.map((p) => p.hashes))).toBeGreaterThan(8 * 8);
  });
});
