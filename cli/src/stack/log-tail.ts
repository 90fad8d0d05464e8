import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The last `n` lines of a file, reading backwards in chunks so a 500 MB Kafka log costs no more than a
 * small one. A missing file has no lines.
 */
export function lastLines(path: string, n: number): string[] {
  if (n <= 0) return [];
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    const chunk = 64 * 1024;
    let pos = size;
    let text = '';
    // n lines need n newlines plus the one ending the line before them (or the start of the file).
    while (pos > 0 && countNewlines(text) <= n) {
      const len = Math.min(chunk, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, pos);
      text = buf.toString('utf8') + text;
    }
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-n);
  } finally {
    closeSync(fd);
  }
}

function countNewlines(s: string): number {
  let count = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) count++;
  return count;
}

/**
 * Calls `onLine` for every line appended to any of `files` until `signal` aborts. Polling (not fs.watch)
 * because it behaves the same on every filesystem, and a restarted component rotates its log: when a
 * file shrinks we start again from its beginning.
 */
export async function followFiles(
  files: readonly string[],
  onLine: (file: string, line: string) => void,
  signal: AbortSignal,
  intervalMs = 250,
): Promise<void> {
  const offsets = new Map(files.map((f) => [f, sizeOf(f)]));
  const partial = new Map<string, string>();
  while (!signal.aborted) {
    for (const file of files) {
      const size = sizeOf(file);
      let from = offsets.get(file) ?? 0;
      if (size < from) from = 0;
      if (size === from) continue;
      const text = (partial.get(file) ?? '') + readRange(file, from, size);
      offsets.set(file, size);
      const lines = text.split('\n');
      partial.set(file, lines.pop() ?? '');
      for (const line of lines) onLine(file, line);
    }
    try {
      await sleep(intervalMs, undefined, { signal });
    } catch {
      return;
    }
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function readRange(path: string, from: number, to: number): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(to - from);
    const read = readSync(fd, buf, 0, buf.length, from);
    return buf.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
