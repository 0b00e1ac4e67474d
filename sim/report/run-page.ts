// The HTML of one run's report: the verdict, the reproduce command and the invariants as a table
// (static, readable without scripts); the timeline charts are drawn by client/run.js from the data.
import { escapeHtml as e, page } from './page.ts';
import type { RunReport } from './run-report.ts';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 2)} s`;

export function runPage(r: RunReport): string {
  const failed = r.invariants.filter((i) => i.verdict === 'fail').length;
  const rows = r.invariants
    .map(
      (i) =>
        `<tr class="${i.verdict}" data-invariant="${e(i.name)}" data-verdict="${i.verdict}"><td>${e(i.name)}</td><td>${i.verdict === 'pass' ? 'pass' : 'FAIL'}${i.expect === 'hold' ? '' : ` <span class="tag">${i.expect}</span>`}</td><td>${i.firstFailedMs === undefined ? '' : seconds(i.firstFailedMs)}</td><td>${e(i.reason ?? '')}</td></tr>`,
    )
    .join('\n');
  const faults = r.timeline.faults
    .map((f) => `<tr><td>${seconds(f.startMs)}</td><td>${f.endMs > f.startMs ? seconds(f.endMs) : ''}</td><td>${e(f.label)}</td></tr>`)
    .join('\n');
  const body = `<header class="${r.ok ? 'ok' : 'fail'}">
<h1>${e(r.scenario)} <span class="seed">seed ${r.seed}</span> <span class="verdict">${r.ok ? 'ok' : 'FAILED'}</span></h1>
<p>${e(r.description)}</p>
<p class="facts">${r.timeline.app} app · ${r.timeline.nodes.length} nodes · ${seconds(r.simulatedMs)} simulated · ${r.events.toLocaleString('en')} events · trace <code>${e(r.traceHash)}</code></p>
<p class="reproduce">reproduce: <code id="reproduce">${e(r.reproduce)}</code></p>
</header>
<section>
<h2>Timeline</h2>
<p class="hint">Head (solid) and finalized (dashed) height per node; shaded bands are faults (hover for what). Below, each node's lane: up and its partition side, or down.</p>
<div id="timeline" class="chart"></div>
<div id="lanes" class="chart"></div>
<div id="legend" class="legend"></div>
<div id="readout" class="readout"></div>
</section>
<section>
<h2>Network</h2>
<p class="hint">Messages sent, delivered and dropped per second of simulated time (mean over the last two seconds).</p>
<div id="network" class="chart"></div>
</section>
${r.timeline.peg === undefined ? '' : '<section>\n<h2>Peg operations</h2>\n<p class="hint">Deposits and peg-outs by state (peg-outs at the furthest state any honest node holds).</p>\n<div id="peg" class="chart"></div>\n</section>'}
<section>
<h2>Invariants <span class="count">${r.invariants.length - failed} of ${r.invariants.length} hold</span></h2>
<table class="invariants"><thead><tr><th>invariant</th><th>verdict</th><th>first failed</th><th>reason</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</section>
<section>
<h2>Faults <span class="count">${r.timeline.faults.length}</span></h2>
${r.timeline.faults.length === 0 ? '<p>No faults in this run.</p>' : `<table class="faults"><thead><tr><th>from</th><th>until</th><th>fault</th></tr></thead>\n<tbody>\n${faults}\n</tbody></table>`}
</section>`;
  return page({ title: `${r.scenario} seed ${r.seed}: ${r.ok ? 'ok' : 'FAILED'}`, body, data: r, scripts: ['svg.js', 'run.js'] });
}
