// Wall-clock time for reports only (how long a simulation took in real time). Nothing read here may
// influence what a simulation does: it is never folded into a trace.
export function wallMs(): number {
  return performance.now();
}
