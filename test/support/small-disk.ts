import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A small disk of its own for tests of a full or read-only directory: a tmpfs of `sizeBytes` mounted on
 * a temporary directory (needs root, as the test machine is; root ignores chmod, so read-only has to be
 * a read-only mount). `fill()` writes a filler file until the disk refuses (ENOSPC); `free()` deletes it.
 */
export interface SmallDisk {
  readonly dir: string;
  fill(): Promise<void>;
  free(): Promise<void>;
  readOnly(): void;
  writable(): void;
  unmount(): void;
}

const FILLER = '.filler';

export function mountSmallDisk(sizeBytes: number): SmallDisk {
  const dir = mkdtempSync(join(tmpdir(), 'rs-small-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir]);
  let mounted = true;
  const unmount = () => {
    if (!mounted) return;
    mounted = false;
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', unmount);
  return {
    dir,
    async fill() {
      const handle = await open(join(dir, FILLER), 'a');
      const block = Buffer.alloc(64 * 1024, 1);
      try {
        for (;;) await handle.write(block);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        await handle.close();
      }
    },
    free: () => rm(join(dir, FILLER), { force: true }),
    readOnly: () => remountReadOnly(dir),
    writable: () => void execFileSync('mount', ['-o', 'remount,rw', dir]),
    unmount,
  };
}

/**
 * A read-only remount fails with "mount point is busy" while a file on the disk is open for writing
 * (the archiver between opening and closing a partition file): retried until the writer lets go, 20 s at most.
 */
function remountReadOnly(dir: string): void {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      execFileSync('mount', ['-o', 'remount,ro', dir], { stdio: 'pipe' });
      return;
    } catch (err) {
      if (!/busy/.test(String((err as { stderr?: Buffer }).stderr ?? '')) || Date.now() > deadline) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
}
