/**
 * Durable, atomic file writes for the model registry.
 *
 * Atomic means a reader sees either the old file or the complete new one, never a prefix: the data goes
 * to a temporary sibling, is fsync'ed, and is renamed over the target (rename(2) is atomic within a
 * filesystem). Durable means it survives a power cut once the call returns: the file's data is fsync'ed
 * before the rename and the directory is fsync'ed after it, because the rename itself lives in the
 * directory's metadata.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Prefix of every temporary entry the registry creates; readers skip names starting with it. */
export const TEMP_PREFIX = '.tmp-';

export function tempName(): string {
  return `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** Creates `path` (which must not exist) with `data` and fsyncs it. */
export async function writeFileDurable(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync a directory so that entries created or renamed in it are on disk. */
export async function fsyncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `path` with `data` atomically and durably. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `${TEMP_PREFIX}${basename(path)}-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await writeFileDurable(temp, data);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await fsyncDirectory(dir);
}
