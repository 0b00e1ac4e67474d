// Progress of a long job on stderr: on a terminal one line redrawn in place (each update and every
// second, so the elapsed time and ETA move), otherwise a plain line every few seconds (CI logs keep
// every line, so redrawing would flood them). Real time on purpose: how long a swarm takes to run.
import { wallMs } from './wall-clock.ts';

export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): boolean;
}

export interface Progress {
  /** Something changed: redraw now on a terminal. */
  update(): void;
  /** Final line, then no more output. */
  stop(): void;
}

/** `render` gets the real time elapsed since the start and whether the stream is a terminal. */
export function startProgress(
  render: (elapsedMs: number, tty: boolean) => string,
  o: { stream?: ProgressStream; plainEveryMs?: number } = {},
): Progress {
  const stream = o.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const started = wallMs();
  const line = (): string => render(wallMs() - started, tty);
  const draw = (): void => {
    if (tty) stream.write(`\r\x1b[2K${line()}`);
    else stream.write(`${line()}\n`);
  };
  const timer = setInterval(draw, tty ? 1_000 : (o.plainEveryMs ?? 5_000));
  timer.unref();
  let stopped = false;
  return {
    update: () => {
      if (tty && !stopped) draw();
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      draw();
      if (tty) stream.write('\n');
    },
  };
}
