// The peg on /metrics: deposits found, minted and rejected by reason; peg-outs by state and by
// refusal reason; payout fees; the federation's balance. Read at scrape time from the node (the same
// counters status and getpegout use) and, for the balance, from Bitcoin itself.
import { Gauge, type Registry } from 'prom-client';
import type { PegCounters } from '../../node/peg-report.ts';

export function registerPegMetrics(registry: Registry, o: { counters: () => Promise<PegCounters | undefined>; federationBalanceSats: () => Promise<bigint | undefined> }): void {
  let last: Promise<PegCounters | undefined> | undefined;
  // One read per scrape however many gauges ask.
  const read = (): Promise<PegCounters | undefined> => {
    last ??= o.counters().catch(() => undefined).finally(() => setTimeout(() => (last = undefined), 0));
    return last;
  };
  const plain = (name: string, help: string, value: (c: PegCounters) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const c = await read();
        if (c !== undefined) this.set(value(c));
      },
    });
  };
  const labelled = (name: string, help: string, label: string, values: (c: PegCounters) => Readonly<Record<string, number>>): void => {
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      async collect() {
        const c = await read();
        if (c === undefined) return;
        for (const [k, v] of Object.entries(values(c))) this.set({ [label]: k }, v);
      },
    });
  };
  plain('alys_peg_deposits_found', 'Valid deposits the Bitcoin scanner has found', (c) => c.depositsFound);
  plain('alys_peg_deposits_minted', 'Deposits minted in the finalized chain', (c) => c.depositsMinted);
  labelled('alys_peg_deposits_rejected', 'Deposits rejected (never minted), by reason', 'reason', (c) => c.depositsRejected);
  labelled('alys_peg_outs', 'Peg-out operations by state', 'state', (c) => c.pegOutsByState);
  labelled('alys_peg_outs_refused', 'Burns refused (never paid), by reason', 'reason', (c) => c.pegOutsRefused);
  plain('alys_peg_payout_fees_sats', 'Bitcoin fees paid by broadcast and completed payouts, in satoshis', (c) => Number(c.payoutFeesSats));
  new Gauge({
    name: 'alys_peg_federation_balance_sats',
    help: "The current federation address's unspent outputs on Bitcoin, in satoshis",
    registers: [registry],
    async collect() {
      const b = await o.federationBalanceSats().catch(() => undefined);
      if (b !== undefined) this.set(Number(b));
    },
  });
}
