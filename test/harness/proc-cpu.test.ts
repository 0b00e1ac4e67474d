// CPU accounting of the real benchmarks from /proc (bench/proc-cpu.ts): a process's CPU seconds grow
// with its work, a window splits them per process, and a process that is gone reads as unknown.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CpuWindow, machineCpu, processCpuSec } from '../../bench/proc-cpu.ts';

/** Work until this process has spent `sec` more CPU seconds (hashing: no clock needed). */
function burn(sec: number): void {
  const start = processCpuSec(process.pid) ?? 0;
  let h = Buffer.alloc(32);
  while ((processCpuSec(process.pid) ?? Infinity) - start < sec) for (let i = 0; i < 20_000; i++) h = createHash('sha256').update(h).digest();
}

describe.runIf(process.platform === 'linux')('CPU time from /proc', () => {
  it('counts a process\'s own work, and the machine\'s busy share', () => {
    const w = new CpuWindow(new Map([['self', process.pid], ['gone', 2 ** 22 + 12_345]]));
    const before = machineCpu();
    burn(0.3);
    const { cpuSec, machineBusyFraction } = w.end();
    expect(cpuSec.self).toBeGreaterThanOrEqual(0.3);
    // A pid above Linux's pid_max: no such process.
    expect(cpuSec.gone).toBeNull();
    expect(processCpuSec(undefined)).toBeNull();
    expect(machineBusyFraction).toBeGreaterThan(0);
    expect(machineBusyFraction).toBeLessThanOrEqual(1);
    const after = machineCpu();
    expect((after?.busySec ?? 0) - (before?.busySec ?? 0)).toBeGreaterThanOrEqual(0.29);
  });
});
