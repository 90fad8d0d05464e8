import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { StackError } from '@riskstream/shared';
import { ASSETS_DIR } from './components.ts';
import { runLogged } from './logged-command.ts';

/** The one list of Debian packages lives in this script; CI runs it directly, `stack up` through here. */
export const INSTALL_SCRIPT = join(ASSETS_DIR, 'install-system-deps.sh');

/**
 * Installs missing Debian packages (Prometheus, Alertmanager, kcat, ...) at most once per CLI run, however
 * many components ask. The check is a quick `--check` of the same script, so a machine that already has
 * everything never touches apt.
 */
export class SystemPackages {
  readonly #logFile: string;
  #installing: Promise<void> | undefined;

  constructor(logFile: string) {
    this.#logFile = logFile;
  }

  missing(): string[] {
    const result = spawnSync('bash', [INSTALL_SCRIPT, '--check'], { encoding: 'utf8' });
    if (result.error) throw new StackError('system-packages', `cannot run ${INSTALL_SCRIPT}: ${result.error.message}`, result.error);
    return result.status === 0 ? [] : result.stdout.split('\n').filter(Boolean);
  }

  ensure(progress: (message: string) => void): Promise<void> {
    this.#installing ??= this.#install(progress);
    return this.#installing;
  }

  async #install(progress: (message: string) => void): Promise<void> {
    const missing = this.missing();
    if (missing.length === 0) return;
    progress(`installing ${missing.join(', ')} with apt-get (first run; log: ${this.#logFile})`);
    try {
      await runLogged('system-packages', 'bash', [INSTALL_SCRIPT], { logFile: this.#logFile });
    } catch (err) {
      throw new StackError(
        'system-packages',
        `could not install ${missing.join(', ')}; run \`sudo ${INSTALL_SCRIPT}\` yourself.\n${(err as Error).message}`,
        err,
      );
    }
  }
}
