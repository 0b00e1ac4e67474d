// The trace recorder folds every delivery and every IO event into one rolling hash: two runs with
// the same seed must end with the same hash, and the first event where two runs differ can be found
// by writing both traces (JSONL, on request) and comparing them.
import { RollingHash, hashString } from './hash.ts';

export type TraceSink = (line: string) => void;

export const enum TraceKind {
  Event = 1,
  Deliver = 2,
  Io = 3,
  Fault = 4,
  Note = 5,
}

export class TraceRecorder {
  private readonly rolling = new RollingHash();
  records = 0;

  constructor(private readonly sink?: TraceSink) {}

  get hash(): string {
    return this.rolling.hex();
  }

  /** Called for every scheduler event: the cheapest possible fold. */
  event(time: number, seq: number): void {
    this.rolling.fold(TraceKind.Event);
    this.rolling.fold(time);
    this.rolling.fold(seq);
  }

  deliver(time: number, node: string, actor: string, messageType: string, envelopeId: number, from: string | undefined): void {
    this.records++;
    const r = this.rolling;
    r.fold(TraceKind.Deliver);
    r.fold(hashString(node));
    r.fold(hashString(actor));
    r.fold(hashString(messageType));
    r.fold(envelopeId);
    if (this.sink !== undefined) {
      this.sink(JSON.stringify({ t: time, k: 'deliver', node, actor, msg: messageType, id: envelopeId, from }));
    }
  }

  /** IO events: network sends/deliveries/drops, storage ops, execution-client calls, faults. */
  io(time: number, node: string, kind: string, detail: number, extra?: Record<string, unknown>): void {
    this.records++;
    const r = this.rolling;
    r.fold(TraceKind.Io);
    r.fold(hashString(node));
    r.fold(hashString(kind));
    r.fold(detail);
    if (this.sink !== undefined) this.sink(JSON.stringify({ t: time, k: kind, node, detail, ...extra }));
  }

  fault(time: number, description: string): void {
    this.records++;
    this.rolling.fold(TraceKind.Fault);
    this.rolling.foldString(description);
    if (this.sink !== undefined) this.sink(JSON.stringify({ t: time, k: 'fault', fault: description }));
  }

  note(time: number, text: string): void {
    this.rolling.fold(TraceKind.Note);
    this.rolling.foldString(text);
    if (this.sink !== undefined) this.sink(JSON.stringify({ t: time, k: 'note', text }));
  }
}
