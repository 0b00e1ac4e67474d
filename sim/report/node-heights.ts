// A node's head and finalized height, read from whichever app's view it is. The toy log has no
// blocks: its length and commit index stand in; a sync node's synced height is both.

export interface Heights {
  readonly head: number;
  readonly finalized: number;
}

export function heightsOf(app: string, view: unknown): Heights | undefined {
  if (view === undefined || view === null) return undefined;
  const v = view as Record<string, unknown>;
  if (v.recovered === false) return undefined;
  switch (app) {
    case 'chain':
    case 'bridge': {
      const finalized = v.finalized as readonly unknown[] | undefined;
      return { head: Number(v.headHeight ?? 0), finalized: Math.max(0, (finalized?.length ?? 1) - 1) };
    }
    case 'toy': {
      const log = v.log as readonly unknown[] | undefined;
      return { head: log?.length ?? 0, finalized: Number(v.commitIndex ?? 0) };
    }
    case 'sync': {
      const progress = v.progress as { currentHeight?: number } | undefined;
      const height = v.role === 'server' ? Number(v.sourceHeight ?? 0) : (progress?.currentHeight ?? Number(v.resumedFrom ?? 0));
      return { head: height, finalized: height };
    }
    default:
      return undefined;
  }
}
