// Security: Alys holds no federation key. Statically, no node code can reach a private key (only the
// governance server's code, and the simulated governance standing in for it, may use the signer or
// ecpair); dynamically, after a full peg cycle no node has written a federation key to its disk nor
// sent one to governance.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bridgeShared } from '../../sim/bridge/shared.ts';
import { runSimulation } from '../../sim/runner.ts';
import { loadScenario } from '../../sim/scenarios/index.ts';
import { devMemberKeys } from '../../src/governance/signer.ts';
import { toHex } from '../../src/types/hex.ts';

const root = join(import.meta.dirname, '..', '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') || p.endsWith('.mjs') ? [p] : [];
  });
}

/** Where private keys may live: governance's own code. */
const governanceSide = (rel: string): boolean =>
  rel === 'src/governance/signer.ts' || rel.startsWith('src/governance/server/') || rel.startsWith('src/io/prod/governance-server/');

/** What in a node source file could reach a private key. */
function offences(rel: string, text: string): string[] {
  if (governanceSide(rel)) return [];
  // The simulated governance may name the signer's type: it is the stand-in for the server.
  const typeOnly = rel === 'src/io/sim/governance.ts';
  // Bitcoin signing keys come through ecpair; libp2p and BLS identities are not federation keys.
  const patterns = [/from 'ecpair'|ECPairFactory/, /\bECPair\.fromPrivateKey|fromWIF/, typeOnly ? /^import (?!type ).*governance\/signer/m : /governance\/signer/];
  return patterns.filter((re) => re.test(text)).map((re) => `${rel} matches ${re}`);
}

describe('no federation private key in the Alys node', () => {
  it('no node code imports the signer or a private-key API', () => {
    const offenders = files(join(root, 'src')).flatMap((f) => offences(relative(root, f), readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the scan flags what it must', () => {
    expect(offences('src/actors/x.ts', "import { FederationSigner } from '../governance/signer.ts';")).toHaveLength(1);
    expect(offences('src/actors/x.ts', "import { ECPairFactory } from 'ecpair';\nconst k = ECPair.fromPrivateKey(b);")).toHaveLength(2);
    expect(offences('src/io/sim/governance.ts', "import { FederationSigner } from '../../governance/signer.ts';")).toHaveLength(1);
    expect(offences('src/io/sim/governance.ts', "import type { FederationSigner } from '../../governance/signer.ts';")).toHaveLength(0);
    expect(offences('src/governance/signer.ts', "import { ECPairFactory } from 'ecpair';")).toHaveLength(0);
  });

  it('after a peg cycle, no node disk and no message to governance holds a federation key', async () => {
    const scenario = loadScenario('peg-cycle');
    const keys = devMemberKeys('sim-federation-v1', scenario.bridge.members).map(toHex);
    const found: string[] = [];
    let completed = 0;
    const r = await runSimulation({
      scenario,
      seed: 5,
      durationMs: 150_000,
      inspect: (world) => {
        for (const id of ['n0', 'n1', 'n2']) {
          for (const [k, v] of world.durableStorage(id)) {
            const hex = toHex(v);
            const text = new TextDecoder().decode(v);
            for (const key of keys) if (hex.includes(key) || text.includes(key)) found.push(`${id}:${k}`);
            if (k.startsWith('peg/op/') && text.includes('"completed"')) completed++;
          }
        }
        const sh = bridgeShared(world.shared);
        const sent = JSON.stringify(sh?.governance.received ?? [], (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
        for (const key of keys) if (sent.includes(key)) found.push('a message to governance');
        expect(sh?.governance.received.length ?? 0).toBeGreaterThan(0);
      },
    });
    expect(r.ok).toBe(true);
    expect(completed).toBeGreaterThan(0);
    expect(found).toEqual([]);
  });
});
