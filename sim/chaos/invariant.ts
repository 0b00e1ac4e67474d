// Invariants are code. A checker sees every node's read-only view after each step of the run (all
// events at one virtual time) and returns a reason at the first violation; liveness checkers are
// told when the last fault healed and judge progress only from then on.

export interface NodeSnapshot<View> {
  readonly id: string;
  readonly up: boolean;
  readonly byzantine: boolean;
  /** Bumped on each restart of the node. */
  readonly incarnation: number;
  /** Disk faults (bit flips, misdirected and lost writes) that hit this node's disk so far. */
  readonly diskFaults?: number;
  /** undefined while the node is down or Byzantine. */
  readonly view: View | undefined;
}

export interface CheckContext<View> {
  readonly now: number;
  /**
   * The same array object as at the previous check exactly when nothing happened in between (no
   * event ran): a checker may take `nodes === last` to mean that only the clock moved.
   */
  readonly nodes: readonly NodeSnapshot<View>[];
  /** Virtual time at which the last scheduled fault healed; undefined while faults are still active. */
  readonly healedAt: number | undefined;
  /** True at the final check, after the run (and its post-heal liveness window) ended. */
  readonly final: boolean;
  /** World-level state outside the nodes (the simulated Bitcoin, governance): read-only for checkers. */
  readonly shared?: ReadonlyMap<string, unknown>;
  /** False while the network cuts messages from `from` to `to` (a partition, an isolation, a blocked link). */
  readonly linked?: (from: string, to: string) => boolean;
  /** Changes whenever a cut starts or heals: what `linked` answers is the same while it does not. */
  readonly cutsVersion?: number;
}

export interface Invariant<View> {
  readonly name: string;
  /** Returns undefined when the invariant holds, else a one-line reason. */
  check(ctx: CheckContext<View>): string | undefined;
}

const honestByNodes = new WeakMap<readonly NodeSnapshot<unknown>[], readonly NodeSnapshot<unknown>[]>();

/**
 * The honest nodes that are up and recovered, in node order. Most checkers start from this list and
 * several run per check on one `ctx.nodes` (which the runner keeps while nothing happens), so it is
 * filtered once per nodes array, not once per checker.
 */
export function honestRecovered<V extends { readonly recovered: boolean }>(nodes: readonly NodeSnapshot<V>[]): ReadonlyArray<NodeSnapshot<V> & { readonly view: V }> {
  let out = honestByNodes.get(nodes);
  if (out === undefined) {
    out = nodes.filter((n) => !n.byzantine && n.view !== undefined && n.view.recovered);
    honestByNodes.set(nodes, out);
  }
  return out as ReadonlyArray<NodeSnapshot<V> & { readonly view: V }>;
}
