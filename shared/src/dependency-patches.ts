import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { AppError } from './errors.ts';

/**
 * riskstream's fixes to kafkajs (scripts/dependency-patches/) are applied by npm's postinstall. An install
 * that skips scripts (`npm ci --ignore-scripts`, some container builds) runs kafkajs unpatched and loses
 * the fixes without a word: duplicates and lost records under broker failover, zombie commits. So every
 * process that builds a Kafka client first checks that each patched file in node_modules is exactly the
 * replacement the patch list names, and refuses to start otherwise. Once per process: ~40 small files
 * read and compared, about a millisecond.
 */

export interface DependencyPatch {
  readonly pkg: string;
  readonly version: string;
  /** The file inside the package. */
  readonly file: string;
  /** The replacement, relative to the repository root. */
  readonly replacement: string;
  readonly newFile?: boolean;
}

export interface MissingPatch {
  readonly pkg: string;
  readonly file: string;
  readonly problem: 'absent' | 'differs';
}

export class DependencyPatchError extends AppError {
  readonly missing: readonly MissingPatch[];
  constructor(missing: readonly MissingPatch[]) {
    super(
      'DEPENDENCY_PATCH_MISSING',
      `${missing.length} dependency patch${missing.length === 1 ? ' is' : 'es are'} not in place (` +
        missing.map((m) => `${m.pkg}/${m.file} ${m.problem === 'absent' ? 'is missing' : 'is not the patched file'}`).join('; ') +
        '); the install skipped its postinstall script (npm ci --ignore-scripts?). ' +
        'Run `npm rebuild` or `node scripts/patch-dependencies.mjs`, then start again',
    );
    this.missing = Object.freeze([...missing]);
  }
}

/** shared/src -> repository root, where scripts/ lives (also in the container image). */
export const REPOSITORY_ROOT = resolve(import.meta.dirname, '..', '..');

export function readPatchList(root: string = REPOSITORY_ROOT): DependencyPatch[] {
  return JSON.parse(readFileSync(join(root, 'scripts', 'dependency-patches', 'patches.json'), 'utf8')) as DependencyPatch[];
}

/** The directory of an installed package as this process would load it. */
export function installedPackageDir(pkg: string): string {
  return dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
}

export interface PatchCheckOptions {
  readonly root?: string;
  readonly patches?: readonly DependencyPatch[];
  readonly packageDir?: (pkg: string) => string;
}

/** The patches whose file in the installed package is not the replacement. Empty when all are in place. */
export function missingPatches(options: PatchCheckOptions = {}): MissingPatch[] {
  const root = options.root ?? REPOSITORY_ROOT;
  const patches = options.patches ?? readPatchList(root);
  const packageDir = options.packageDir ?? installedPackageDir;
  const missing: MissingPatch[] = [];
  for (const p of patches) {
    const target = join(packageDir(p.pkg), p.file);
    if (!existsSync(target)) {
      missing.push({ pkg: p.pkg, file: p.file, problem: 'absent' });
      continue;
    }
    if (!readFileSync(target).equals(readFileSync(join(root, p.replacement)))) missing.push({ pkg: p.pkg, file: p.file, problem: 'differs' });
  }
  return missing;
}

let verified = false;

/** Throws DependencyPatchError unless every patch is in place; checks once per process. */
export function assertDependencyPatches(options: PatchCheckOptions = {}): void {
  if (verified && Object.keys(options).length === 0) return;
  const missing = missingPatches(options);
  if (missing.length > 0) throw new DependencyPatchError(missing);
  if (Object.keys(options).length === 0) verified = true;
}
