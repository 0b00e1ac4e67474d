// Planted bugs: named, deliberately wrong behaviours that a checker must catch. They exist only to
// prove the checkers are not vacuous; production never constructs a non-empty set.

export const kernelBugs = {
  'deliver-twice': 'the kernel now and then delivers a message a second time',
  'lose-on-restart': 'an actor restart silently loses the first queued message',
  'reorder-sender': 'the mailbox now and then swaps two messages from one sender',
  'timer-droppable': 'timer ticks go through the ordinary mailbox lane, where an overflow policy can drop them',
} as const;

export type KernelBug = keyof typeof kernelBugs;

export interface BugSwitches {
  has(name: string): boolean;
}

export const noBugs: BugSwitches = { has: () => false };

export function bugSet(names: Iterable<string>): BugSwitches {
  const set = new Set(names);
  return { has: (n) => set.has(n) };
}
