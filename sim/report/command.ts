// The CLI's report entry points: `alys sim --report out.html` (one run, observed as it goes) and
// `alys sim report FILE --html out.html` (a swarm report rendered).
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from '../../src/cli/errors.ts';
import type { RunResult } from '../runner.ts';
import { runPage } from './run-page.ts';
import { runReport } from './run-report.ts';
import { SwarmInputError, parseSwarmInput } from './swarm-input.ts';
import { swarmPage } from './swarm-page.ts';
import { TimelineSampler } from './timeline.ts';

export const reportUsage = 'usage: alys sim report SWARM.json --html out.html   (a report written by alys sim --seeds N --out SWARM.json)';

/** Observes one run and writes its HTML report once it is over. */
export function runReporter(file: string): { readonly observe: TimelineSampler; write(result: RunResult): void } {
  const observe = new TimelineSampler();
  return {
    observe,
    write(result) {
      writeFileSync(file, runPage(runReport(result, observe.scenario(), observe.timeline())));
    },
  };
}

export function simReportCommand(argv: string[], print: (line: string) => void): number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { html: { type: 'string' } } });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}\n${reportUsage}`);
  }
  const [file, ...rest] = parsed.positionals;
  if (file === undefined || rest.length > 0) throw new UsageError(`alys sim report takes one report file\n${reportUsage}`);
  const out = parsed.values.html;
  if (out === undefined) throw new UsageError(`alys sim report needs --html out.html\n${reportUsage}`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    writeFileSync(out, swarmPage(parseSwarmInput(text, file)));
  } catch (err) {
    if (err instanceof SwarmInputError) throw new UsageError(err.message);
    throw err;
  }
  print(`wrote ${out}`);
  return 0;
}
