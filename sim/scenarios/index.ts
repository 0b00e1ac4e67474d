// Built-in scenarios are the JSON files in this folder; a path names any other file.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkInvariantNames } from '../invariant-registry.ts';
import { type Scenario, ScenarioError, parseScenario } from '../scenario.ts';

const here = import.meta.dirname;

/** The scenario that runs when none is named: the one with the most kinds of fault. */
export const defaultScenario = 'chain-chaos';

export function scenarioNames(): string[] {
  return readdirSync(here)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function loadScenario(ref: string): Scenario {
  const isPath = ref.endsWith('.json') || ref.includes('/');
  const file = isPath ? ref : join(here, `${ref}.json`);
  if (!isPath && !scenarioNames().includes(ref)) {
    throw new ScenarioError(`unknown scenario '${ref}' (alys sim --list prints the names)`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(`cannot read scenario file ${ref}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`scenario file ${ref} is not JSON: ${(err as Error).message}`);
  }
  const s = parseScenario(json, ref);
  checkInvariantNames(s, ref);
  return s;
}
