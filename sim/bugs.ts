// Every planted bug the simulator knows, with the layer it lives in and the invariant that must
// catch it. `alys sim --list-bugs` prints this; a test runs each one and asserts the catch.
import { kernelBugs } from '../src/kernel/bugs.ts';
import { simIoBugs } from '../src/io/sim/bugs.ts';
import { apps } from './apps.ts';

export interface PlantedBug {
  readonly name: string;
  readonly layer: string;
  readonly description: string;
}

export function allBugs(): PlantedBug[] {
  const out: PlantedBug[] = [];
  for (const [name, description] of Object.entries(kernelBugs)) out.push({ name, layer: 'kernel', description });
  for (const [name, description] of Object.entries(simIoBugs)) out.push({ name, layer: 'sim-io', description });
  for (const [app, a] of Object.entries(apps)) {
    for (const [name, description] of Object.entries(a.bugs)) out.push({ name, layer: `app:${app}`, description });
  }
  return out;
}
