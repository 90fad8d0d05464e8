import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Everything the running stack owns lives under one directory (default `<repo>/.stack`):
 *
 *   logs/<component>.log    stdout+stderr of the current run (the previous run is kept as .log.1)
 *   run/<component>.pid     JSON pid file of a process `stack up` started
 *   run/stack.lock          held by the one `stack up`/`stack down` running (see stack-lock.ts)
 *   <component>/            its rendered config and data (Kafka log dirs, registry H2 file, TSDB)
 *
 * Deleting the directory (after `stack down`) resets the stack; downloads live in the cache dir instead.
 */
export class StackDir {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  get logsDir(): string {
    return join(this.root, 'logs');
  }

  get runDir(): string {
    return join(this.root, 'run');
  }

  logFile(component: string): string {
    return join(this.logsDir, `${component}.log`);
  }

  get lockFile(): string {
    return join(this.runDir, 'stack.lock');
  }

  pidFile(component: string): string {
    return join(this.runDir, `${component}.pid`);
  }

  /** The component's own directory, created on first use. */
  componentDir(component: string): string {
    const dir = this.componentDirPath(component);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  componentDirPath(component: string): string {
    return join(this.root, component);
  }

  ensure(): void {
    mkdirSync(this.logsDir, { recursive: true });
    mkdirSync(this.runDir, { recursive: true });
  }
}
