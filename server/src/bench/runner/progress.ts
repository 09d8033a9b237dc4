/**
 * One progress line on stderr, redrawn in place, only when stderr is a terminal (a log file or
 * a pipe gets nothing: the report is the output).
 */
export interface Progress {
  /** A new phase with `total` planned requests. */
  phase(label: string, total: number): void;
  tick(): void;
  done(): void;
}

const WIDTH = 24;

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { phase: () => undefined, tick: () => undefined, done: () => undefined };
  const started = performance.now();
  let label = '';
  let total = 0;
  let count = 0;
  let lastDraw = 0;
  const draw = (force = false) => {
    const now = performance.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    const share = total > 0 ? Math.min(1, count / total) : 0;
    const filled = Math.round(share * WIDTH);
    const elapsed = Math.round((now - started) / 1000);
    stream.write(`\r\x1b[2K${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${count}/${total}  ${elapsed}s`);
  };
  return {
    phase(next, planned) {
      label = next;
      total = planned;
      count = 0;
      draw(true);
    },
    tick() {
      count++;
      draw();
    },
    done() {
      stream.write('\r\x1b[2K');
    },
  };
}

/**
 * Progress as plain lines for a program reading the pipe (VS Code's `Tandem: Run Benchmark`):
 * `progress <label> <count>/<total>` at a phase's start and at most every `intervalMs` after.
 */
export function lineProgress(stream: NodeJS.WritableStream = process.stderr, intervalMs = 500): Progress {
  let label = '';
  let total = 0;
  let count = 0;
  let last = 0;
  const write = () => {
    last = performance.now();
    stream.write(`progress ${label} ${count}/${total}\n`);
  };
  return {
    phase(next, planned) {
      label = next;
      total = planned;
      count = 0;
      write();
    },
    tick() {
      count++;
      if (performance.now() - last >= intervalMs) write();
    },
    done() {
      stream.write('progress done\n');
    },
  };
}
