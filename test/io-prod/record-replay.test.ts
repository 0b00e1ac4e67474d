// Record and replay at the IO boundary, without real components: a small program of calls, timers,
// sends and pushed inputs runs on the real-time driver against a world of random latencies, recorded;
// the replay runs it again on the deterministic scheduler and must match, and an edited answer must
// show as a divergence. Also the value codec and the journal's one-line errors.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Boundary } from '../../src/io/boundary.ts';
import type { Clock } from '../../src/io/clock.ts';
import { LiveBoundary } from '../../src/io/prod/live-boundary.ts';
import { RealTimeDriver } from '../../src/io/prod/realtime-driver.ts';
import { readRecording } from '../../src/io/prod/record/journal-reader.ts';
import { JournalWriter } from '../../src/io/prod/record/journal-writer.ts';
import { JOURNAL_VERSION, JournalFormatError, parseEntry } from '../../src/io/record/journal.ts';
import { decodeValue, encodeValue } from '../../src/io/record/value-codec.ts';
import { Replayer } from '../../src/io/replay/replayer.ts';
import { Scheduler } from '../../src/kernel/scheduler.ts';

const dirs: string[] = [];
const temp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'alys-rr-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The program under record: what it does depends on every answer, timer and push it gets. */
function program(b: Boundary, clock: Clock) {
  let total = 0n;
  let finished: () => void = () => undefined;
  const done = new Promise<void>((r) => (finished = r));
  const step = async (i: number): Promise<void> => {
    const v = await b.call<bigint>('world.get', [i], () => new Promise((r) => setTimeout(() => r(BigInt(i) * 3n + BigInt(Math.floor(Math.random() * 5))), Math.random() * 4)));
    total += v;
    b.tell('world.put', [i, v, total, clock.now()], () => undefined);
    if (i < 25) clock.setTimer(i % 3, () => void step(i + 1));
    else finished();
  };
  const push = b.listen('world.push', (x: number): number => {
    b.tell('world.ack', [x, total], () => undefined);
    return x * 2;
  });
  const start = b.listen('start', (): void => void step(0));
  return { push, start, done };
}

async function record(dir: string): Promise<void> {
  const scheduler = new Scheduler();
  const journal = new JournalWriter(dir);
  const driver = new RealTimeDriver(scheduler, journal);
  const b = new LiveBoundary(driver, journal);
  journal.write({ k: 'head', version: JOURNAL_VERSION, node: encodeValue({ epochMs: driver.epochMs }) });
  const p = program(b, driver.clock());
  driver.start();
  void p.start();
  for (let k = 0; k < 8; k++) {
    await new Promise((r) => setTimeout(r, Math.random() * 15));
    expect(await p.push(k)).toBe(k * 2);
  }
  await p.done;
  await driver.stop();
  journal.write({ k: 'end', n: scheduler.executed });
  journal.close();
}

async function replay(dir: string) {
  const entries = readRecording(dir);
  const head = entries[0];
  const epochMs = (decodeValue(head?.k === 'head' ? head.node : null) as { epochMs: number }).epochMs;
  const scheduler = new Scheduler();
  const r = new Replayer(entries, scheduler, epochMs);
  program(r.boundary, r.clock());
  return r.run();
}

describe('record and replay at the IO boundary', () => {
  it('replays a recorded run of calls, timers, sends and pushed inputs exactly', async () => {
    for (let run = 0; run < 3; run++) {
      const dir = temp();
      await record(dir);
      const outcome = await replay(dir);
      expect(outcome).toMatchObject({ matches: true, complete: true });
      expect(outcome.events).toBeGreaterThan(50);
    }
  });

  it('finds an edited answer as a divergence at the first output it changes', async () => {
    const dir = temp();
    await record(dir);
    const file = join(dir, 'journal-000001.ndjson');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const i = lines.findIndex((l) => l.includes('"k":"ret"') && l.includes('"id":5,'));
    expect(i).toBeGreaterThan(0);
    const e = JSON.parse(lines[i] as string) as { v: unknown };
    lines[i] = JSON.stringify({ ...e, v: encodeValue(999n) });
    writeFileSync(file, `${lines.join('\n')}\n`);
    const outcome = await replay(dir);
    expect(outcome.matches).toBe(false);
    // The program sends the answer on at once: the first output after the edit is where it differs.
    const div = outcome.divergence;
    expect(div?.entry).toBeGreaterThan(i);
    expect(JSON.stringify(div?.recorded)).toContain('world.put');
    expect(JSON.stringify(div?.replayed)).toContain('999');
  });

  it('reports a recording with an output the replay does not make', async () => {
    const dir = temp();
    await record(dir);
    const file = join(dir, 'journal-000001.ndjson');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const i = lines.findIndex((l) => l.includes('"k":"tell"') && l.includes('world.ack'));
    lines.splice(i, 0, JSON.stringify({ k: 'tell', n: (JSON.parse(lines[i] as string) as { n: number }).n, name: 'world.extra', args: [] }));
    writeFileSync(file, `${lines.join('\n')}\n`);
    const outcome = await replay(dir);
    expect(outcome.matches).toBe(false);
    expect(outcome.divergence?.entry).toBe(i);
  });

  it('matches when a continuation of event n made its output after the driver journaled moving the clock at n', async () => {
    // In a real run the driver's bookkeeping (an adv entry) and the tail of an event's continuation
    // race for the same microtask turns; the replay gives the continuation its turns sooner.
    const dir = temp();
    await record(dir);
    const file = join(dir, 'journal-000001.ndjson');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const i = lines.findIndex((l, k) => k > 5 && l.includes('"k":"tell"') && l.includes('world.put'));
    const n = (JSON.parse(lines[i] as string) as { n: number }).n;
    const timed = lines.slice(0, i).map((l) => JSON.parse(l) as { t?: number | null }).filter((e) => typeof e.t === 'number');
    const t = (timed.at(-1) as { t: number }).t;
    lines.splice(i, 0, JSON.stringify({ k: 'adv', n, t }));
    writeFileSync(file, `${lines.join('\n')}\n`);
    expect(await replay(dir)).toMatchObject({ matches: true, complete: true });
  });

  it('round-trips every kind of value that crosses the boundary', () => {
    const err = Object.assign(new Error('sendrawtransaction: rejected'), { rejected: true });
    err.name = 'BitcoinRpcError';
    const v = { a: 1n, b: new Uint8Array([0, 255]), c: undefined, d: [null, true, 'x', -2.5], e: new Map([['k', 2n]]), $: 'dollar', f: err, g: Number.POSITIVE_INFINITY };
    const back = decodeValue(JSON.parse(JSON.stringify(encodeValue(v)))) as typeof v;
    expect(back.a).toBe(1n);
    expect(back.b).toEqual(new Uint8Array([0, 255]));
    expect('c' in back && back.c === undefined).toBe(true);
    expect(back.d).toEqual([null, true, 'x', -2.5]);
    expect(back.e).toEqual(new Map([['k', 2n]]));
    expect(back.$).toBe('dollar');
    expect(back.f).toBeInstanceOf(Error);
    expect([back.f.name, back.f.message, (back.f as unknown as { rejected: boolean }).rejected]).toEqual(['BitcoinRpcError', 'sendrawtransaction: rejected', true]);
    expect(back.g).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses corrupt, truncated and incomplete recordings with one line naming the file and offset', () => {
    expect(() => parseEntry('{"k":"ret","n":1}', 'j.ndjson', 40)).toThrow(new JournalFormatError('j.ndjson', 40, "a 'ret' entry needs n, t, id, ok and v"));
    expect(() => parseEntry('{"k":"call","n":1,"id":0,"na', 'j.ndjson', 7)).toThrow('j.ndjson: not a JSON entry (corrupt or truncated) at byte 7');
    expect(() => parseEntry('{"k":"teleport"}', 'j.ndjson', 0)).toThrow('j.ndjson: unknown entry kind "teleport" at byte 0');
    const dir = temp();
    expect(() => readRecording(dir)).toThrow(`${dir}: holds no recording (no journal-000001.ndjson) at byte 0`);
    writeFileSync(join(dir, 'journal-000002.ndjson'), '');
    expect(() => readRecording(dir)).toThrow(`${join(dir, 'journal-000001.ndjson')}: is missing: the recording is not whole at byte 0`);
    writeFileSync(join(dir, 'journal-000001.ndjson'), '{"k":"adv","n":0,"t":1}\n{"k":"adv"');
    expect(() => readRecording(dir)).toThrow(`${join(dir, 'journal-000001.ndjson')}: ends in the middle of an entry (truncated) at byte 24`);
  });

  it('rolls segments by size and stops at its bound, saying so', () => {
    const dir = temp();
    const said: string[] = [];
    const w = new JournalWriter(dir, { segmentBytes: 100, maxBytes: 400, onFull: (l) => said.push(l) });
    for (let n = 0; n < 40; n++) w.write({ k: 'adv', n, t: n });
    w.close();
    expect(said).toEqual([`record: ${dir} reached its bound of 400 bytes; recording stopped (the node goes on)`]);
    expect(() => new JournalWriter(dir)).toThrow(/already holds a recording/);
    const files = readRecordingFiles(dir);
    expect(files.length).toBeGreaterThan(2);
    expect(files.reduce((t, f) => t + f.length, 0)).toBeLessThanOrEqual(400);
  });
});

function readRecordingFiles(dir: string): string[] {
  const out: string[] = [];
  for (let i = 1; ; i++) {
    try {
      out.push(readFileSync(join(dir, `journal-${String(i).padStart(6, '0')}.ndjson`), 'utf8'));
    } catch {
      return out;
    }
  }
}
