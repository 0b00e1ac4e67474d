// What the checkers may see of a toy replica.
import type { Entry, Role } from './raft.ts';

export interface ToyView {
  /** False while the replica is still reading its disk after a (re)start. */
  readonly recovered: boolean;
  readonly term: number;
  readonly role: Role;
  readonly leaderId: string | null;
  readonly commitIndex: number;
  readonly log: readonly Entry[];
}
