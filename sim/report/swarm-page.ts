// The HTML of a swarm report: the verdict, failing seeds with their reproduce commands, every seed
// (when the report lists them) and probe coverage, as tables.
import { escapeHtml as e, page } from './page.ts';
import type { SwarmInput } from './swarm-input.ts';

export function swarmPage(r: SwarmInput): string {
  const ran = r.results?.length ?? r.seeds - r.missing.length;
  const last = r.firstSeed + r.seeds - 1;
  const failures = r.failures
    .map((f) => `<tr class="fail" data-failed-seed="${f.seed}"><td>${f.seed}</td><td>${Object.entries(f.failed).map(([k, v]) => `<b>${e(k)}</b>: ${e(v.replace(/^fail: /, ''))}`).join('<br>')}</td><td><code>${e(f.reproduce)}</code></td></tr>`)
    .join('\n');
  const seeds = (r.results ?? [])
    .map((s) => `<tr class="${s.verdict}" data-seed="${s.seed}" data-verdict="${s.verdict}"><td>${s.seed}</td><td>${s.verdict}</td><td><code>${e(s.traceHash)}</code></td><td>${s.events ?? ''}</td><td>${s.faults ?? ''}</td><td>${s.simulatedMs === undefined ? '' : (s.simulatedMs / 1000).toFixed(0)}</td></tr>`)
    .join('\n');
  const probes = Object.keys(r.probes)
    .sort()
    .map((p) => {
      const fired = r.probeSeeds[p] ?? 0;
      const share = ran > 0 ? Math.round((fired / ran) * 100) : 0;
      return `<tr class="${r.probes[p] === 0 ? 'gap' : ''}" data-probe="${e(p)}"><td>${e(p)}</td><td>${r.probes[p]}</td><td>${fired}</td><td><span class="bar" style="width:${share}px"></span> ${share}%</td></tr>`;
    })
    .join('\n');
  const body = `<header class="${r.ok ? 'ok' : 'fail'}">
<h1>${e(r.scenario)} <span class="seed">seeds ${r.firstSeed}–${last}${r.shard === undefined ? '' : ` (shard ${r.shard.index}/${r.shard.of})`}</span> <span class="verdict">${r.ok ? 'ok' : 'FAILED'}</span></h1>
<p class="facts">${ran} seeds ran · ${r.failures.length} failed${r.missing.length > 0 ? ` · ${r.missing.length} missing` : ''} · ${(r.simulatedMs / 1000).toFixed(0)} s simulated in ${(r.wallMs / 1000).toFixed(1)} s${r.bugs.length > 0 ? ` · planted bugs: ${e(r.bugs.join(', '))}` : ''}</p>
</header>
<section>
<h2>Failures <span class="count">${r.failures.length}</span></h2>
${r.failures.length === 0 ? '<p>No seed failed.</p>' : `<table class="failures"><thead><tr><th>seed</th><th>invariants failed</th><th>reproduce</th></tr></thead>\n<tbody>\n${failures}\n</tbody></table>`}
</section>
<section>
<h2>Probe coverage <span class="count">${r.gaps.length} never fired</span></h2>
<p class="hint">How often each probe fired, and in how many seeds; a probe that never fired is a path the swarm did not explore.</p>
<table class="probes"><thead><tr><th>probe</th><th>fired</th><th>seeds</th><th>share of seeds</th></tr></thead>
<tbody>
${probes}
</tbody></table>
</section>
${r.results === undefined ? '<p class="hint">This report lists no seeds one by one (it was printed by <code>--seeds N --json</code>; <code>--out FILE</code> writes every seed).</p>' : `<section>\n<h2>Seeds <span class="count">${r.results.length}</span></h2>\n<table class="seeds"><thead><tr><th>seed</th><th>verdict</th><th>trace hash</th><th>events</th><th>faults</th><th>simulated s</th></tr></thead>\n<tbody>\n${seeds}\n</tbody></table>\n</section>`}`;
  return page({ title: `${r.scenario} swarm: ${r.ok ? 'ok' : `${r.failures.length} failed`}`, body, data: { kind: 'swarm', failures: r.failures.length, seeds: ran }, scripts: ['swarm.js'] });
}
