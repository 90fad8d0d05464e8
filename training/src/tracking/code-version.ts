/**
 * The code version a run records: the git commit of the checkout that trained, with `-dirty` when it had
 * uncommitted changes. Undefined outside a git checkout (an installed package, a container without .git).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

let cached: string | null | undefined;

export function codeVersion(): string | undefined {
  if (cached === undefined) cached = readGitVersion();
  return cached ?? undefined;
}

/** `{ codeVersion }` for a run record, or nothing outside a git checkout. */
export function codeVersionField(): { codeVersion?: string } {
  const v = codeVersion();
  return v ? { codeVersion: v } : {};
}

function readGitVersion(): string | null {
  try {
    const git = (...args: string[]) => execFileSync('git', ['-C', REPO, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    const commit = git('rev-parse', 'HEAD');
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
    return `${commit}${dirty ? '-dirty' : ''}`;
  } catch {
    return null;
  }
}
