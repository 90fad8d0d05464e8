/**
 * Progress for long steps. On a terminal: one redrawn line per stage with a bar, a count and a rate.
 * Elsewhere (CI logs, pipes): a line at every 10% so logs stay short but show the job is alive.
 */
export type ProgressFn = (stage: string, done: number, total: number) => void;

export function createProgress(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, enabled = true): ProgressFn & { finish(): void } {
  let stage = '';
  let started = 0;
  let lastDecile = -1;
  let lastDraw = 0;
  const tty = stream.isTTY === true;
  const fn = ((s: string, done: number, total: number) => {
    if (!enabled) return;
    const now = Date.now();
    if (s !== stage) {
      if (tty && stage !== '') stream.write('\n');
      stage = s;
      started = now;
      lastDecile = -1;
    }
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const elapsed = (now - started) / 1000;
    if (tty) {
      if (now - lastDraw < 50 && done < total) return;
      lastDraw = now;
      const width = 30;
      const filled = Math.round(frac * width);
      const rate = elapsed > 0 ? `${(done / elapsed).toFixed(done / elapsed >= 100 ? 0 : 1)}/s` : '';
      stream.write(`\r${s.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${rate} ${elapsed.toFixed(1)}s `);
      return;
    }
    const decile = Math.floor(frac * 10);
    if (decile !== lastDecile) {
      lastDecile = decile;
      stream.write(`${s}: ${Math.round(frac * 100)}% (${done}/${total}, ${elapsed.toFixed(1)}s)\n`);
    }
  }) as ProgressFn & { finish(): void };
  fn.finish = () => {
    if (tty && stage !== '') stream.write('\n');
    stage = '';
  };
  return fn;
}
