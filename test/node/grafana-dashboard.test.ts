// The shipped Grafana dashboard queries only metrics the node exports: a renamed metric would
// otherwise leave an operator's panel empty without a word.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(join(root, 'docs', 'grafana', 'alys-node.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
  const exported = new Set(sourceFiles(join(root, 'src')).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/['"](alys_[a-z_]+)['"]/g)].map((m) => m[1] as string)));

  it('has the panels an operator needs', () => {
    const titles = dashboard.panels.map((p) => p.title).join(' / ');
    for (const want of ['Sync progress', 'Finality lag', 'Peers', 'Peg-outs by state', 'Engine API call latency', 'V3 rollout stage']) expect(titles).toContain(want);
  });

  it('queries only metrics the node exports', () => {
    const used = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\b(alys_[a-z_]+)/g)].map((m) => m[1] as string))));
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((m) => !exported.has(m))).toEqual([]);
  });
});
