import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLogged } from './logged-command.ts';

const MARKER = '.complete';

/**
 * Downloads (Kafka's jars, the Apicurio app) live in a cache directory shared by every checkout, default
 * ~/.cache/riskstream. Artifacts are fetched through Maven so that ~/.m2 (which CI already caches) keeps
 * a second copy, and so that checksums and mirrors are Maven's problem.
 *
 * An entry is filled in a scratch directory and renamed into place with a marker file, so an interrupted
 * download is never mistaken for a complete one.
 */
export class ArtifactCache {
  readonly root: string;
  // Maven 3.8 does not lock ~/.m2: two concurrent resolutions writing the same plugin jar can corrupt it,
  // so every mvn call goes through one queue.
  #mavenQueue: Promise<unknown> = Promise.resolve();

  constructor(root: string) {
    this.root = root;
  }

  entryDir(name: string): string {
    return join(this.root, name);
  }

  has(name: string): boolean {
    return existsSync(join(this.entryDir(name), MARKER));
  }

  /** Returns the entry's directory, calling `fill(scratchDir)` first when it is not cached yet. */
  async ensure(name: string, fill: (scratchDir: string) => Promise<void>): Promise<string> {
    const dir = this.entryDir(name);
    if (this.has(name)) return dir;
    const scratch = join(this.root, `${name}.partial-${process.pid}`);
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    try {
      await fill(scratch);
      writeFileSync(join(scratch, MARKER), `${new Date().toISOString()}\n`);
      rmSync(dir, { recursive: true, force: true });
      renameSync(scratch, dir);
    } catch (err) {
      rmSync(scratch, { recursive: true, force: true });
      throw err;
    }
    return dir;
  }

  /** `mvn -B -q <args>`, serialised with every other Maven call of this process. */
  maven(component: string, args: readonly string[], logFile: string): Promise<void> {
    const run = this.#mavenQueue.then(() => runLogged(component, 'mvn', ['-B', '-q', ...args], { logFile }));
    this.#mavenQueue = run.catch(() => undefined);
    return run;
  }
}
