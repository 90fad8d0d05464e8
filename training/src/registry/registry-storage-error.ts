import { DependencyError } from '@riskstream/shared';

/** What the registry was doing when the disk refused: storing a version, or rewriting aliases.json. */
export type RegistryWrite = 'register' | 'aliases';

/**
 * errno codes that are about the registry's storage, not about the request: the disk is full (ENOSPC,
 * EDQUOT), mounted read-only (EROFS), or failing (EIO); EACCES/EPERM when the directory is not writable.
 * A retry can succeed once the operator frees or remounts the disk, so the error is retriable.
 */
const STORAGE_ERRNO = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EACCES', 'EPERM']);

/**
 * The registry could not write: nothing half-written is visible (versions are renamed into place
 * complete, aliases.json is replaced atomically), so the aliases, and with them the serving champion,
 * are the ones before the call.
 */
export class RegistryStorageError extends DependencyError {
  readonly operation: RegistryWrite;
  readonly path: string;
  /** The errno code, e.g. ENOSPC or EROFS. */
  readonly errno: string;
  constructor(operation: RegistryWrite, path: string, errno: string, cause: unknown) {
    super('model-registry', `${operation} under ${path} failed: ${errno} (${(cause as Error).message}); the registry is unchanged`, cause);
    this.operation = operation;
    this.path = path;
    this.errno = errno;
  }
}

/** `err` as a RegistryStorageError when the disk caused it, else `err` itself. */
export function registryStorageError(operation: RegistryWrite, path: string, err: unknown): unknown {
  if (err instanceof RegistryStorageError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && STORAGE_ERRNO.has(code) ? new RegistryStorageError(operation, path, code, err) : err;
}
