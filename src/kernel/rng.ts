// The only source of randomness outside src/io/prod. Every consumer gets its own stream forked by
// label, so adding a random draw in one subsystem does not shift the draws of every other one: a
// seed keeps reproducing the same fault schedule while the node's code changes around it.
import seedrandom from 'seedrandom';
import { hashString } from './hash.ts';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Uniform integer in [min, max]. */
  range(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  shuffle<T>(items: readonly T[]): T[];
  /** An independent stream derived from this one's seed and a label. */
  fork(label: string): Rng;
  readonly seed: string;
}

export class SeededRng implements Rng {
  private readonly prng: seedrandom.PRNG;
  readonly seed: string;

  constructor(seed: number | string) {
    this.seed = String(seed);
    this.prng = seedrandom.alea(this.seed);
  }

  next(): number {
    return this.prng();
  }

  int(n: number): number {
    return Math.floor(this.prng() * n);
  }

  range(min: number, max: number): number {
    return min + Math.floor(this.prng() * (max - min + 1));
  }

  chance(p: number): boolean {
    return p > 0 && this.prng() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick on an empty list');
    return items[this.int(items.length)] as T;
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i] as T;
      out[i] = out[j] as T;
      out[j] = tmp;
    }
    return out;
  }

  fork(label: string): Rng {
    return new SeededRng(`${this.seed}/${label}#${hashString(label).toString(16)}`);
  }
}
