// The HTML report in a real browser (Debian's chromium, headless): the page's own scripts draw the
// timeline, one series per node and the fault bands, with no error in the console; a screenshot
// shows it. The swarm report renders too.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium, headless } from '../../harness/chromium.ts';

let chromium = '';
const dir = mkdtempSync(join(tmpdir(), 'alys-report-browser-'));

function alys(...args: string[]): string {
  const r = spawnSync(process.execPath, ['bin/alys.mjs', ...args], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`alys ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** The elements of one chart (an <svg data-chart=NAME>) in the dumped DOM. */
function chart(dom: string, name: string): string {
  const start = dom.indexOf(`data-chart="${name}"`);
  expect(start).toBeGreaterThan(0);
  return dom.slice(start, dom.indexOf('</svg>', start));
}

const count = (s: string, re: RegExp): number => s.match(re)?.length ?? 0;

/** A PNG's size, and the share of its pixel bytes that are not white (a blank page is ~0). */
function png(file: string): { width: number; height: number; inked: number } {
  const b = readFileSync(file);
  expect(b.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  const idat: Buffer[] = [];
  let width = 0;
  let height = 0;
  for (let at = 8; at < b.length; ) {
    const len = b.readUInt32BE(at);
    const type = b.toString('latin1', at + 4, at + 8);
    const data = b.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  let inked = 0;
  for (const x of raw) if (x < 0xf0) inked++;
  return { width, height, inked: inked / raw.length };
}

describe('the HTML report in headless chromium', () => {
  beforeAll(() => {
    chromium = ensureChromium();
  }, 900_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('partition-heal: one series per node, a band per fault, each node lane split by the partitions', () => {
    const page = join(dir, 'partition-heal.html');
    alys('sim', '--seed', '1', '--scenario', 'partition-heal', '--report', page, '--json');
    const run = headless(chromium, page, ['--dump-dom']);
    const dom = run.stdout;
    expect(run.stderr).not.toMatch(/Uncaught|SyntaxError|ReferenceError|TypeError/);
    expect(dom).toContain('data-rendered="run"');

    const heights = chart(dom, 'heights');
    expect([...heights.matchAll(/data-node-series="([^"]+)"/g)].map((m) => m[1])).toEqual(['n0', 'n1', 'n2', 'n3']);
    expect(count(heights, /data-series="head"/g)).toBeGreaterThanOrEqual(4);
    expect(count(heights, /data-series="finalized"/g)).toBeGreaterThanOrEqual(4);
    expect(count(heights, /data-fault-band="/g)).toBe(2);
    expect(count(heights, /data-kind="partition"/g)).toBe(2);

    const lanes = chart(dom, 'lanes');
    expect(count(lanes, /data-lane="/g)).toBe(4);
    // n2 and n3 were on the other side of the 2/2 split; n3 alone on the 3/1 split.
    const lane = (id: string): string => lanes.slice(lanes.indexOf(`data-lane="${id}"`), lanes.indexOf('</g>', lanes.indexOf(`data-lane="${id}"`)));
    expect(lane('n0')).not.toContain('side-1');
    expect(count(lane('n2'), /data-state="side-1"/g)).toBe(1);
    expect(count(lane('n3'), /data-state="side-1"/g)).toBe(2);
    expect(count(chart(dom, 'network'), /data-line="/g)).toBe(3);

    const shot = join(dir, 'partition-heal.png');
    headless(chromium, page, [`--screenshot=${shot}`, '--window-size=1100,1400']);
    const image = png(shot);
    expect([image.width, image.height]).toEqual([1100, 1400]);
    expect(image.inked).toBeGreaterThan(0.02);
  });

  it('a bridge run shows its peg operations by state', () => {
    const page = join(dir, 'peg-cycle.html');
    alys('sim', '--seed', '1', '--scenario', 'peg-cycle', '--duration', '60s', '--report', page, '--json');
    const run = headless(chromium, page, ['--dump-dom']);
    expect(run.stderr).not.toMatch(/Uncaught/);
    const dom = run.stdout;
    expect(count(chart(dom, 'heights'), /data-node-series="/g)).toBe(3);
    expect(chart(dom, 'peg')).toContain('data-line="deposit minted"');
  });

  it('a swarm report: failures, seeds and probe coverage', () => {
    const json = join(dir, 'swarm.json');
    const page = join(dir, 'swarm.html');
    const r = spawnSync(process.execPath, ['bin/alys.mjs', 'sim', '--seeds', '3', '--scenario', 'toy-contested', '--plant-bug', 'reorder-sender', '--duration', '5s', '--json'], { encoding: 'utf8', timeout: 300_000 });
    writeFileSync(json, r.stdout);
    const report = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { failures: Array<{ seed: number }>; probes: Record<string, number> };
    expect(report.failures.length).toBeGreaterThan(0);
    alys('sim', 'report', json, '--html', page);
    const run = headless(chromium, page, ['--dump-dom']);
    expect(run.stderr).not.toMatch(/Uncaught/);
    const dom = run.stdout;
    expect(dom).toContain('data-rendered="swarm"');
    expect(count(dom, /data-failed-seed="/g)).toBe(report.failures.length);
    expect(count(dom, /data-probe="/g)).toBe(Object.keys(report.probes).length);
  });
});
