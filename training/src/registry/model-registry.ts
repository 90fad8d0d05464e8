/**
 * A model registry in a local directory:
 *
 *   <root>/<name>/<version>/model.onnx      the exported model
 *   <root>/<name>/<version>/manifest.json   ModelManifest (shared/src/model/manifest.ts)
 *   <root>/<name>/<version>/report.html     optional training report
 *   <root>/<name>/aliases.json              champion / challenger + history (model-aliases.ts)
 *
 * Crash safety: a version is assembled in `<name>/.tmp-*` (every file fsync'ed, manifest last) and renamed
 * to `<version>` in one step, so a version directory either exists complete or not at all; aliases.json
 * is replaced atomically (atomic-write.ts). Readers ignore `.tmp-*` entries and any version directory
 * whose manifest is missing or invalid, so leftovers of a crash never break list/get, and version numbers
 * are never reused (the next number is above every numeric directory, complete or not).
 *
 * Concurrency: picking the next version number and rewriting aliases.json happen under a per-model lock
 * file (directory-lock.ts), so parallel registers from several processes get distinct versions. The
 * rename itself would also refuse to overwrite an existing (non-empty) version directory.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelError, NotFoundError, UsageError } from '@riskstream/shared';
import { experimentProblems, validateManifest } from '@riskstream/shared/model';
import type { ExperimentSpec, ModelManifest } from '@riskstream/shared/model';
import { ONNX_METADATA_KEYS, readOnnxMetadata } from '../export/onnx-export.ts';
import { TEMP_PREFIX, fsyncDirectory, tempName, writeFileAtomic, writeFileDurable } from './atomic-write.ts';
import { withDirectoryLock } from './directory-lock.ts';
import type { LockOptions } from './directory-lock.ts';
import { EMPTY_ALIASES, championStack, parseAliases } from './model-aliases.ts';
import type { AliasHistoryEntry, AliasName, AliasesDocument } from './model-aliases.ts';
import type { GateResult } from './promotion-gate.ts';
import { PromotionRefusedError } from './promotion-refused-error.ts';
import { registryStorageError, RegistryStorageError, type RegistryWrite } from './registry-storage-error.ts';

export const MODEL_FILE = 'model.onnx';
export const MANIFEST_FILE = 'manifest.json';
export const REPORT_FILE = 'report.html';
export const ALIASES_FILE = 'aliases.json';
const LOCK_FILE = '.lock';

/** What the caller supplies; the registry fills in name, version, createdAt and onnxSha256. */
export type ManifestDraft = Omit<ModelManifest, 'name' | 'version' | 'createdAt' | 'onnxSha256'>;

export interface RegisterInput {
  onnx: Uint8Array;
  manifest: ManifestDraft;
  /** The training report; a function renders it with the version number once that is known. */
  reportHtml?: string | ((version: number) => string);
}

export interface RegisteredModel {
  name: string;
  version: number;
  manifest: ModelManifest;
  dir: string;
  onnxPath: string;
  reportPath?: string;
  /** Aliases currently pointing at this version. */
  aliases: AliasName[];
}

export type VersionSelector = number | AliasName | 'latest';

export interface RegistryOptions {
  lock?: LockOptions;
  /** Injectable clock for tests. */
  now?: () => Date;
  /** Called with every write the disk refused (full, read-only), before it is thrown: the owner counts it. */
  onStorageError?: (err: RegistryStorageError) => void;
}

/** Model names become directory names: keep them portable and free of path tricks. */
const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
const VERSION_PATTERN = /^[1-9][0-9]{0,8}$/;

export class ModelRegistry {
  readonly root: string;
  readonly #lock: LockOptions;
  readonly #now: () => Date;
  readonly #onStorageError: (err: RegistryStorageError) => void;

  private constructor(root: string, options: RegistryOptions) {
    this.root = root;
    this.#lock = options.lock ?? {};
    this.#now = options.now ?? (() => new Date());
    this.#onStorageError = options.onStorageError ?? (() => undefined);
  }

  /** Runs a write; a failure the disk caused becomes a RegistryStorageError (reported, then thrown). */
  async #write<T>(operation: RegistryWrite, path: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const typed = registryStorageError(operation, path, err);
      if (typed instanceof RegistryStorageError) this.#onStorageError(typed);
      throw typed;
    }
  }

  /** Opens (creating if needed) the registry rooted at `root`. */
  static async open(root: string, options: RegistryOptions = {}): Promise<ModelRegistry> {
    await mkdir(root, { recursive: true });
    return new ModelRegistry(root, options);
  }

  /** Stores a new version and returns its number (previous highest + 1). */
  async register(name: string, input: RegisterInput): Promise<number> {
    checkModelName(name);
    const onnxSha256 = createHash('sha256').update(input.onnx).digest('hex');
    const createdAt = this.#now().toISOString();
    const draft = { ...input.manifest, name, createdAt, onnxSha256 };
    // Validate before touching the disk (version 1 is a placeholder); every problem is reported at once.
    validateManifest({ ...draft, version: Math.max(1, (draft.parentVersion ?? 0) + 1) });
    checkOnnxMatchesManifest(name, input.onnx, input.manifest);

    const modelDir = join(this.root, name);
    return this.#write('register', modelDir, () => this.#assemble(modelDir, draft, input));
  }

  async #assemble(modelDir: string, draft: Omit<ModelManifest, 'version'>, input: RegisterInput): Promise<number> {
    const name = draft.name;
    await mkdir(modelDir, { recursive: true });
    const temp = join(modelDir, tempName());
    await mkdir(temp);
    try {
      await writeFileDurable(join(temp, MODEL_FILE), input.onnx);
      if (typeof input.reportHtml === 'string') await writeFileDurable(join(temp, REPORT_FILE), input.reportHtml);
      return await withDirectoryLock(join(modelDir, LOCK_FILE), async () => {
        const version = (await highestVersionNumber(modelDir)) + 1;
        if (typeof input.reportHtml === 'function') await writeFileDurable(join(temp, REPORT_FILE), input.reportHtml(version));
        if (draft.parentVersion !== undefined && !(await this.#complete(name, draft.parentVersion))) {
          throw new NotFoundError('model-version', `${name} parentVersion ${draft.parentVersion} is not registered`);
        }
        const manifest = validateManifest({ ...draft, version });
        // The manifest goes in last: a directory with a valid manifest is a complete version.
        await writeFileDurable(join(temp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
        await fsyncDirectory(temp);
        await rename(temp, join(modelDir, String(version)));
        await fsyncDirectory(modelDir);
        return version;
      }, this.#lock);
    } catch (err) {
      // Best effort: on a read-only disk the removal fails too, and the cause to report is the first one.
      await rm(temp, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
  }

  /** Model names in the registry, sorted. */
  async models(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && NAME_PATTERN.test(e.name)).map((e) => e.name).sort();
  }

  /** Complete versions of one model (or of every model), ascending. */
  async list(name?: string): Promise<RegisteredModel[]> {
    const names = name === undefined ? await this.models() : [name];
    const out: RegisteredModel[] = [];
    for (const n of names) {
      checkModelName(n);
      const aliases = await this.aliases(n);
      for (const version of await versionNumbers(join(this.root, n))) {
        const entry = await this.#read(n, version, aliases);
        if (entry) out.push(entry);
      }
    }
    return out;
  }

  /** One version by number, alias or 'latest'; NotFoundError if absent or incomplete. */
  async get(name: string, selector: VersionSelector): Promise<RegisteredModel> {
    checkModelName(name);
    const aliases = await this.aliases(name);
    let version: number | undefined;
    if (selector === 'latest') {
      const all = await this.list(name);
      version = all.at(-1)?.version;
    } else if (selector === 'champion' || selector === 'challenger') {
      version = aliases[selector];
    } else {
      version = selector;
    }
    const entry = version === undefined ? undefined : await this.#read(name, version, aliases);
    if (!entry) throw new NotFoundError('model-version', `${name}@${selector} does not exist`);
    return entry;
  }

  /** The ONNX bytes of a version, verified against the manifest's sha256. */
  async readOnnx(entry: RegisteredModel): Promise<Uint8Array> {
    const bytes = await readFile(entry.onnxPath);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== entry.manifest.onnxSha256) {
      throw new ModelError(`${entry.name}@${entry.version}`, `model.onnx sha256 ${actual} does not match the manifest`);
    }
    return bytes;
  }

  async aliases(name: string): Promise<AliasesDocument> {
    checkModelName(name);
    let text: string;
    try {
      text = await readFile(join(this.root, name, ALIASES_FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_ALIASES;
      throw err;
    }
    return parseAliases(name, text);
  }

  /**
   * Points the challenger alias at a version (or clears it with `undefined`). The champion alias only
   * moves through `promote` (gated) and `rollback`, so serving never changes without evidence.
   */
  async setAlias(name: string, alias: AliasName, version: number | undefined, reason: string): Promise<AliasesDocument> {
    if (alias === 'champion') throw new UsageError('the champion alias changes only through promote() or rollback()');
    return this.#updateAliases(name, async (doc) => {
      if (version !== undefined) await this.#requireVersion(name, version);
      const entry: AliasHistoryEntry = version === undefined
        ? { alias, at: this.#stamp(), reason, action: 'clear' }
        : { alias, version, at: this.#stamp(), reason, action: 'set' };
      return withAlias(doc, alias, version, entry);
    });
  }

  /** Makes `version` the champion if the gate allows it; throws PromotionRefusedError otherwise. */
  async promote(name: string, version: number, gate: GateResult, reason = 'promotion gate passed'): Promise<AliasesDocument> {
    if (!gate.promote) throw new PromotionRefusedError(name, version, gate.reasons);
    return this.#updateAliases(name, async (doc) => {
      await this.#requireVersion(name, version);
      const entry: AliasHistoryEntry = {
        alias: 'champion',
        version,
        at: this.#stamp(),
        reason,
        action: 'promote',
        gate: { delta: gate.delta, ci: [gate.ci[0], gate.ci[1]], reasons: [...gate.reasons] },
      };
      let next = withAlias(doc, 'champion', version, entry);
      // A promoted challenger stops being the challenger.
      if (next.challenger === version) {
        next = withAlias(next, 'challenger', undefined, { alias: 'challenger', at: entry.at, reason: `promoted to champion`, action: 'clear' });
      }
      return next;
    });
  }

  /** Restores the champion that preceded the current one; NotFoundError if there is none. */
  async rollback(name: string, reason = 'rollback'): Promise<AliasesDocument> {
    return this.#updateAliases(name, async (doc) => {
      const stack = championStack(doc);
      const previous = stack.at(-2);
      if (previous === undefined) throw new NotFoundError('champion', `${name} has no previous champion to roll back to`);
      await this.#requireVersion(name, previous);
      return withAlias(doc, 'champion', previous, {
        alias: 'champion',
        version: previous,
        at: this.#stamp(),
        reason: `${reason} (from version ${doc.champion})`,
        action: 'rollback',
      });
    });
  }

  /**
   * Starts a live experiment. Arm 0 must be the champion (the control) and every arm a registered
   * version; one experiment runs per model at a time.
   */
  async startExperiment(name: string, spec: ExperimentSpec): Promise<AliasesDocument> {
    const problems = experimentProblems(spec);
    if (problems.length > 0) throw new UsageError(`experiment ${spec.name}: ${problems.join('; ')}`);
    return this.#updateAliases(name, async (doc) => {
      if (doc.experiment) throw new UsageError(`${name} already runs experiment "${doc.experiment.name}"; stop it first`);
      if (doc.champion === undefined || spec.arms[0]!.version !== doc.champion) {
        throw new UsageError(`the first arm must be the champion (${doc.champion === undefined ? 'none registered' : `version ${doc.champion}`})`);
      }
      for (const arm of spec.arms) await this.#requireVersion(name, arm.version);
      return { ...doc, experiment: spec };
    });
  }

  /** New weights for the running experiment `experimentName` (a bandit's update). */
  async setExperimentWeights(name: string, experimentName: string, weights: readonly number[]): Promise<AliasesDocument> {
    return this.#updateAliases(name, async (doc) => {
      const experiment = runningExperiment(name, doc, experimentName);
      const next = { ...experiment, weights: [...weights] };
      const problems = experimentProblems(next);
      if (problems.length > 0) throw new UsageError(`experiment ${experimentName}: ${problems.join('; ')}`);
      return { ...doc, experiment: next };
    });
  }

  /** Ends the running experiment `experimentName`: every card goes back to the champion. */
  async stopExperiment(name: string, experimentName: string, reason: string): Promise<AliasesDocument> {
    return this.#updateAliases(name, async (doc) => {
      const experiment = runningExperiment(name, doc, experimentName);
      const { experiment: _ended, ...rest } = doc;
      return { ...rest, endedExperiments: [...(doc.endedExperiments ?? []), { experiment, stoppedAt: this.#stamp(), reason }] };
    });
  }

  #stamp(): string {
    return this.#now().toISOString();
  }

  async #updateAliases(name: string, change: (doc: AliasesDocument) => Promise<AliasesDocument>): Promise<AliasesDocument> {
    checkModelName(name);
    const modelDir = join(this.root, name);
    return this.#write('aliases', join(modelDir, ALIASES_FILE), async () => {
      await mkdir(modelDir, { recursive: true });
      return withDirectoryLock(join(modelDir, LOCK_FILE), async () => {
        const next = await change(await this.aliases(name));
        await writeFileAtomic(join(modelDir, ALIASES_FILE), `${JSON.stringify(next, null, 2)}\n`);
        return next;
      }, this.#lock);
    });
  }

  async #requireVersion(name: string, version: number): Promise<void> {
    if (!(await this.#complete(name, version))) throw new NotFoundError('model-version', `${name}@${version} does not exist`);
  }

  async #complete(name: string, version: number): Promise<boolean> {
    return (await this.#read(name, version, EMPTY_ALIASES)) !== undefined;
  }

  /** undefined when the version directory is absent or incomplete (no valid manifest, no model file). */
  async #read(name: string, version: number, aliases: AliasesDocument): Promise<RegisteredModel | undefined> {
    if (!Number.isSafeInteger(version) || version < 1) return undefined;
    const dir = join(this.root, name, String(version));
    let manifest: ModelManifest;
    try {
      manifest = validateManifest(JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')));
      await stat(join(dir, MODEL_FILE));
    } catch {
      return undefined;
    }
    if (manifest.name !== name || manifest.version !== version) return undefined;
    const hasReport = await stat(join(dir, REPORT_FILE)).then(() => true, () => false);
    const entry: RegisteredModel = {
      name,
      version,
      manifest,
      dir,
      onnxPath: join(dir, MODEL_FILE),
      aliases: (['champion', 'challenger'] as const).filter((a) => aliases[a] === version),
    };
    if (hasReport) entry.reportPath = join(dir, REPORT_FILE);
    return entry;
  }
}

function withAlias(doc: AliasesDocument, alias: AliasName, version: number | undefined, entry: AliasHistoryEntry): AliasesDocument {
  const { champion: _c, challenger: _h, history, ...rest } = doc;
  const next: { -readonly [K in keyof AliasesDocument]: AliasesDocument[K] } = { ...rest, history: [...history, entry] };
  const champion = alias === 'champion' ? version : doc.champion;
  const challenger = alias === 'challenger' ? version : doc.challenger;
  if (champion !== undefined) next.champion = champion;
  if (challenger !== undefined) next.challenger = challenger;
  return next;
}

function runningExperiment(name: string, doc: AliasesDocument, experimentName: string): ExperimentSpec {
  if (doc.experiment?.name !== experimentName) {
    throw new NotFoundError('experiment', `${name} runs no experiment named "${experimentName}"${doc.experiment ? ` (it runs "${doc.experiment.name}")` : ''}`);
  }
  return doc.experiment;
}

/** Model names are directory names in the registry: checked before any expensive work. */
export function checkModelName(name: string): void {
  if (!NAME_PATTERN.test(name)) throw new UsageError(`model name "${name}" must match ${NAME_PATTERN}`);
}

function checkOnnxMatchesManifest(name: string, onnx: Uint8Array, manifest: ManifestDraft): void {
  const metadata = readOnnxMetadata(onnx, name);
  const problems: string[] = [];
  const names = metadata[ONNX_METADATA_KEYS.featureNames];
  if (names !== undefined && names !== JSON.stringify(manifest.featureNames)) {
    problems.push('the ONNX feature names differ from manifest.featureNames');
  }
  const kind = metadata[ONNX_METADATA_KEYS.modelKind];
  if (kind !== undefined && kind !== manifest.kind) problems.push(`the ONNX model kind ${kind} differs from manifest.kind ${manifest.kind}`);
  if (problems.length > 0) throw new ModelError(name, problems.join('; '));
}

/** Every numeric directory name, complete or not, ascending; `.tmp-*` and other entries are ignored. */
async function versionNumbers(modelDir: string): Promise<number[]> {
  let entries;
  try {
    entries = await readdir(modelDir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith(TEMP_PREFIX) && VERSION_PATTERN.test(e.name))
    .map((e) => Number(e.name))
    .sort((a, b) => a - b);
}

async function highestVersionNumber(modelDir: string): Promise<number> {
  return (await versionNumbers(modelDir)).at(-1) ?? 0;
}
