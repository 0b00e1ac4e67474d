// Aura: time is cut into fixed slots and the authorities take turns, one slot each.
import type { ChainSpec } from './chain-spec.ts';

export function slotAt(timeMs: number, spec: Pick<ChainSpec, 'genesisTimeMs' | 'slotDurationMs'>): number {
  return Math.max(0, Math.floor((timeMs - spec.genesisTimeMs) / spec.slotDurationMs));
}

export function slotStartMs(slot: number, spec: Pick<ChainSpec, 'genesisTimeMs' | 'slotDurationMs'>): number {
  return spec.genesisTimeMs + slot * spec.slotDurationMs;
}

export function proposerIndexFor(slot: number, authorityCount: number): number {
  if (authorityCount <= 0) throw new RangeError('no authorities');
  return slot % authorityCount;
}

/**
 * The execution payload timestamp of a block in `slot`: the slot's start, in whole seconds (the
 * Engine API's unit). The producer stamps it and validation requires it, so a proposer cannot move
 * its payload in time.
 */
export function payloadTimestampFor(slot: number, spec: Pick<ChainSpec, 'genesisTimeMs' | 'slotDurationMs'>): number {
  return Math.floor(slotStartMs(slot, spec) / 1000);
}
