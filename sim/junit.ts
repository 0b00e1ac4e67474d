// A swarm report as JUnit XML, the format CI systems (GitHub Actions reporters, GitLab, Jenkins)
// show natively: one test case per seed, and a failing seed's failure message carries the command
// that reproduces it.
import type { SwarmReport } from './swarm-report.ts';

/** Text safe inside an XML attribute or element: markup escaped, characters XML 1.0 forbids dropped. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function junitXml(report: SwarmReport): string {
  const seconds = (ms: number): string => (ms / 1_000).toFixed(3);
  const suite = `alys sim ${report.scenarioRef}${report.bugs.length > 0 ? ` (bugs: ${report.bugs.join(', ')})` : ''}`;
  const failures = report.results.filter((r) => r.verdict === 'fail').length;
  const cases = report.results.map((r) => {
    const head = `    <testcase classname="${xmlEscape(`alys.sim.${report.scenario}`)}" name="seed ${r.seed}" time="${seconds(r.wallMs)}"`;
    if (r.verdict === 'pass') return `${head}/>`;
    const names = Object.keys(r.failed).join(', ');
    const details = Object.entries(r.failed).map(([k, v]) => `${k}: ${v}`).join('\n');
    return [
      `${head}>`,
      `      <failure type="invariant" message="${xmlEscape(`seed ${r.seed} failed ${names}; reproduce: ${r.reproduce}`)}">${xmlEscape(`${details}\ntrace ${r.traceHash}\nreproduce: ${r.reproduce}`)}</failure>`,
      '    </testcase>',
    ].join('\n');
  });
  // Seeds that never ran (a stop at the first failure, a lost shard) are shown as skipped.
  const skipped = report.missing.map((seed) => `    <testcase classname="${xmlEscape(`alys.sim.${report.scenario}`)}" name="seed ${seed}" time="0"><skipped message="not run"/></testcase>`);
  const tests = report.results.length + report.missing.length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="alys sim" tests="${tests}" failures="${failures}" skipped="${report.missing.length}" time="${seconds(report.wallMs)}">`,
    `  <testsuite name="${xmlEscape(suite)}" tests="${tests}" failures="${failures}" errors="0" skipped="${report.missing.length}" time="${seconds(report.wallMs)}">`,
    ...cases,
    ...skipped,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
