// Planted bugs of the simulated IO layer (see src/kernel/bugs.ts for what planted bugs are for).
export const simIoBugs = {
  'leaky-partition': 'the simulated network now and then lets a message cross an active partition',
  'sync-lies': 'the simulated disk acknowledges a synced write that a crash then loses',
} as const;
