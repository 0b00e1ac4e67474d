// Invariants over append-only lists in node views (accepted blocks, finalized hashes, productions)
// look at each entry once: a cursor per node incarnation remembers how far it has read, and starts
// over when the node restarts (its lists are rebuilt from disk).
export class AppendCursor {
  private readonly seen = new Map<string, { incarnation: number; upTo: number }>();

  /** Calls check for each entry not read yet; stops at the first violation and returns it. */
  scan<T>(node: string, incarnation: number, list: readonly T[], check: (item: T, index: number) => string | undefined): string | undefined {
    let s = this.seen.get(node);
    if (s === undefined || s.incarnation !== incarnation) s = { incarnation, upTo: 0 };
    this.seen.set(node, s);
    for (let i = s.upTo; i < list.length; i++) {
      const item = list[i];
      if (item === undefined) continue;
      const problem = check(item, i);
      if (problem !== undefined) return problem;
    }
    s.upTo = list.length;
    return undefined;
  }
}
