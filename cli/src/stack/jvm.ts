import { existsSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { delimiter, isAbsolute, join } from 'node:path';
import type { StackConfig } from './stack-config.ts';

export function javaCommand(config: StackConfig): string {
  return config.javaHome ? join(config.javaHome, 'bin', 'java') : 'java';
}

/**
 * Application class-data sharing for Kafka and the registry. The first start records the classes it loads
 * (-XX:ArchiveClassesAtExit, written when the JVM exits cleanly, i.e. on `stack down`); later starts map
 * that archive instead of parsing and verifying thousands of classes again. Measured on a loaded 2-core
 * machine: the registry's start went from ~19 s to ~8 s.
 *
 * The archive only matches the JVM (and GC) that wrote it, so its name carries a fingerprint of the java
 * binary and the flags; a JDK upgrade or a flag change simply records a new one. A mismatched archive is
 * never fatal (-Xshare:auto is the default), it just stops helping.
 */
export class ClassDataArchive {
  readonly #dir: string;
  readonly #path: string;

  /** `jvmFlags`: flags that change what gets loaded (GC, JIT); part of the archive's name. */
  constructor(dir: string, java: string, jvmFlags: readonly string[]) {
    this.#dir = dir;
    this.#path = join(dir, `cds-${jvmFingerprint(java, jvmFlags)}.jsa`);
  }

  /** The JVM flag for this start: use the archive, or record one. */
  flags(): string[] {
    if (existsSync(this.#path)) return [`-XX:SharedArchiveFile=${this.#path}`];
    // Recording warns once per class it cannot archive (Kafka's log4j 1.x classes: ~100 lines) at exit,
    // which would bury the real error at the end of a crashed component's log.
    return [`-XX:ArchiveClassesAtExit=${this.#recording}`, '-Xlog:cds=off'];
  }

  /**
   * After the JVM is gone: keep the recording only when it exited cleanly; a SIGKILL mid-dump leaves a
   * truncated file that would be mapped on every later start. Archives of other JDKs are dropped.
   */
  settle(exitedCleanly: boolean): void {
    if (!existsSync(this.#recording)) return;
    if (!exitedCleanly) {
      rmSync(this.#recording, { force: true });
      return;
    }
    renameSync(this.#recording, this.#path);
    for (const f of readdirSync(this.#dir)) {
      if (/^cds-.*\.jsa$/.test(f) && join(this.#dir, f) !== this.#path) rmSync(join(this.#dir, f), { force: true });
    }
  }

  get #recording(): string {
    return `${this.#path}.recording`;
  }
}

/** realpath + mtime + size of the java binary (they change when the JDK is upgraded) and the flags. */
function jvmFingerprint(java: string, jvmFlags: readonly string[]): string {
  const resolved = resolveOnPath(java);
  let key = java;
  if (resolved) {
    try {
      const real = realpathSync(resolved);
      const st = statSync(real);
      key = `${real}:${st.mtimeMs}:${st.size}`;
    } catch {
      // Unresolvable: fall back to the name; the JVM still validates the archive itself.
    }
  }
  return createHash('sha256').update(key).update(jvmFlags.join(' ')).digest('hex').slice(0, 12);
}

function resolveOnPath(command: string): string | undefined {
  if (isAbsolute(command)) return command;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}
