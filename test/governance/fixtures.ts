// Shared pieces of the governance transport tests: a temp directory with a 3-of-5 dev key file, a
// link that records everything it hears, and peg-out requests built only from public federation data
// (what Alys knows), as the node would build them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scriptOfAddress } from '../../src/bridge/federation.ts';
import { buildPegOutTx, type FederationUtxo } from '../../src/bridge/pegout-tx.ts';
import type { FederationUpdate, GovernanceMessage, SignatureRequest, SignatureResponse } from '../../src/governance/messages.ts';
import { devKeysFile } from '../../src/governance/server/keys-file.ts';
import type { GovernanceStream } from '../../src/io/governance.ts';
import { GrpcGovernanceLink } from '../../src/io/prod/governance-grpc.ts';
import { fromHex, toHex } from '../../src/types/hex.ts';

export const TOKEN = 'test-token-0123456789';
export const DEST = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';

export function tempGovernanceDir(): { dir: string; keysPath: string; statePath: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'alys-gov-test-'));
  const keysPath = join(dir, 'keys.json');
  writeFileSync(keysPath, JSON.stringify(devKeysFile('test', 5, 3)));
  return { dir, keysPath, statePath: join(dir, 'state.json'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A connected stream that queues what it hears, so a test can await the next message of a kind. */
export class Recorder {
  readonly messages: GovernanceMessage[] = [];
  readonly malformed: string[] = [];
  closed: string | undefined;
  closeCount = 0;
  private waiters: Array<() => void> = [];

  readonly handlers = {
    onMessage: (m: GovernanceMessage): void => {
      this.messages.push(m);
      this.wake();
    },
    onMalformed: (e: string): void => {
      this.malformed.push(e);
      this.wake();
    },
    onClose: (reason: string): void => {
      this.closed = reason;
      this.closeCount++;
      this.wake();
    },
  };

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when `pick` finds something in what was heard; fails after timeoutMs. */
  async until<T>(pick: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = pick();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; heard ${JSON.stringify(this.messages.map((m) => m.kind))}, malformed ${JSON.stringify(this.malformed)}, closed ${this.closed}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  federation(): Promise<FederationUpdate> {
    return this.until(() => this.messages.find((m): m is Extract<GovernanceMessage, { kind: 'federation' }> => m.kind === 'federation')?.update, 'federation');
  }

  signature(requestId: string): Promise<SignatureResponse> {
    return this.until(() => this.messages.find((m): m is Extract<GovernanceMessage, { kind: 'signature' }> => m.kind === 'signature' && m.response.requestId === requestId)?.response, `signature ${requestId}`);
  }

  ack(messageId: string): Promise<string> {
    return this.until(() => this.messages.find((m): m is Extract<GovernanceMessage, { kind: 'ack' }> => m.kind === 'ack' && m.messageId === messageId)?.messageId, `ack ${messageId}`);
  }
}

export async function connect(listening: string, token = TOKEN): Promise<{ link: GrpcGovernanceLink; stream: GovernanceStream; rec: Recorder }> {
  const link = new GrpcGovernanceLink({ address: listening, token });
  const rec = new Recorder();
  const stream = await link.connect(rec.handlers);
  return { link, stream, rec };
}

/** A peg-out of `amountSats` over the given fake federation outputs, as Alys would build it. */
export function pegOutRequest(
  fed: FederationUpdate,
  requestId: string,
  pegOutId: string,
  utxos: ReadonlyArray<{ txid: string; vout: number; amountSats: bigint }>,
  amountSats = 50_000n,
  destination = DEST,
): { request: SignatureRequest; inputs: FederationUtxo[] } {
  const witnessScript = fromHex(fed.witnessScriptHex);
  const built = buildPegOutTx({
    utxos: utxos.map((u) => ({ ...u, witnessScript })),
    pegOuts: [{ pegOutId, script: scriptOfAddress(destination, 'regtest'), amountSats }],
    feeRateSatPerVb: 2n,
    changeScript: scriptOfAddress(fed.address, 'regtest'),
    threshold: fed.threshold,
  });
  if (!built.ok) throw new Error(built.error.detail);
  const inputs = [...built.built.inputs];
  return {
    request: {
      requestId,
      txHex: built.built.tx.toHex(),
      inputs: inputs.map((u, index) => ({ index, amountSats: u.amountSats, witnessScriptHex: toHex(u.witnessScript) })),
      pegOutIds: [pegOutId],
    },
    inputs,
  };
}
