// Actor lifecycle as a state machine with its legal transitions written down once.
export type Lifecycle = 'initializing' | 'running' | 'stopping' | 'stopped' | 'failed' | 'restarting';

const legal: Record<Lifecycle, readonly Lifecycle[]> = {
  initializing: ['running', 'failed', 'stopping', 'stopped', 'restarting'],
  running: ['stopping', 'failed', 'stopped', 'restarting'],
  stopping: ['stopped', 'failed'],
  stopped: ['initializing'],
  failed: ['restarting', 'stopped', 'initializing'],
  restarting: ['initializing', 'stopped'],
};

export class IllegalTransition extends Error {
  constructor(
    readonly actor: string,
    readonly from: Lifecycle,
    readonly to: Lifecycle,
  ) {
    super(`${actor}: illegal lifecycle transition ${from} -> ${to}`);
    this.name = 'IllegalTransition';
  }
}

export function assertTransition(actor: string, from: Lifecycle, to: Lifecycle): void {
  if (!legal[from].includes(to)) throw new IllegalTransition(actor, from, to);
}
