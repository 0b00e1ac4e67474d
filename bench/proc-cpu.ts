// CPU time from /proc, for saying which process a real benchmark's wall time went to: a process's
// user+system seconds (its threads included) and the whole machine's busy and idle seconds. Linux
// only; null elsewhere, and the benchmark then reports no CPU split.
import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc's CPU counters, 100 on every Linux this runs on. */
const TICKS_PER_SEC = 100;

/** User+system CPU seconds of a live process so far (children not included). */
export function processCpuSec(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat: 12 and 13 after the name and state.
    return (Number(f[11]) + Number(f[12])) / TICKS_PER_SEC;
  } catch {
    return null;
  }
}

export interface MachineCpu {
  readonly busySec: number;
  readonly idleSec: number;
}

/** The machine's CPU seconds so far, summed over cores: busy (all but idle and iowait) and idle. */
export function machineCpu(): MachineCpu | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const n = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (n[3] ?? 0) + (n[4] ?? 0);
    // user nice system idle iowait irq softirq steal (guest time is already inside user).
    const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busySec: (total - idle) / TICKS_PER_SEC, idleSec: idle / TICKS_PER_SEC };
  } catch {
    return null;
  }
}

/** CPU seconds spent between two readings, per named process, and the machine's busy share. */
export class CpuWindow {
  private readonly start: ReadonlyMap<string, number | null>;
  private readonly machineStart: MachineCpu | null;
  constructor(private readonly pids: ReadonlyMap<string, number | undefined>) {
    this.start = new Map([...pids].map(([k, pid]) => [k, processCpuSec(pid)]));
    this.machineStart = machineCpu();
  }
  /** CPU seconds per process over the window, and the machine's busy fraction of all its cores' time. */
  end(): { readonly cpuSec: Record<string, number | null>; readonly machineBusyFraction: number | null } {
    const cpuSec: Record<string, number | null> = {};
    for (const [k, pid] of this.pids) {
      const a = this.start.get(k);
      const b = processCpuSec(pid);
      cpuSec[k] = a === null || a === undefined || b === null ? null : b - a;
    }
    const m = machineCpu();
    const s = this.machineStart;
    const busyFraction = m === null || s === null ? null : (m.busySec - s.busySec) / (m.busySec - s.busySec + m.idleSec - s.idleSec);
    return { cpuSec, machineBusyFraction: busyFraction };
  }
}
