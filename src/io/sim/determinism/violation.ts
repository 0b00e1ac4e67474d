// What a trap throws, and records, when simulated code reaches for real time, randomness, sockets
// or files. Recording matters as much as throwing: a handler may catch the error, and the run must
// still fail.
export class DeterminismViolation extends Error {
  constructor(readonly api: string) {
    super(`determinism violation: ${api} was called during a simulation (use the Clock, Rng or IO interfaces)`);
    this.name = 'DeterminismViolation';
  }
}

export interface Violation {
  readonly api: string;
  readonly stack: string;
}
