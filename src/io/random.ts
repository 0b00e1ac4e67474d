// Randomness as a node sees it: always a seeded stream (in production seeded from the OS once, in
// src/io/prod), so that every other layer is deterministic given that seed.
export type { Rng as RandomIO } from '../kernel/rng.ts';
