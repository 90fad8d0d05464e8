/**
 * Read-only access to registered models for the processes that serve them. Training writes the registry
 * (training/src/registry/model-registry.ts); scoring only reads it, either from the registry directory
 * itself or, on machines without that filesystem, over HTTP from `riskstream models serve`, which exposes
 * the same directory through DirectoryModelSource:
 *
 *   GET /v1/models/:name/aliases                    { champion?, challenger?, experiment? }
 *   GET /v1/models/:name/:version/manifest.json     the validated ModelManifest
 *   GET /v1/models/:name/:version/model.onnx        the ONNX bytes
 *
 * Both sources verify what they hand out: the manifest goes through validateManifest and must name the
 * requested model and version, and the ONNX bytes must hash to manifest.onnxSha256. A client never trusts
 * the transport (or the disk) to deliver the artifact the registry recorded.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, realpath } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { DependencyError, ModelError, ModelRejectedError, NotFoundError, UsageError } from '../errors.ts';
import { parseExperiment, type ExperimentSpec } from './experiment.ts';
import { validateManifest, type ModelManifest } from './manifest.ts';

export type ModelSelector = number | 'champion' | 'challenger';

/** What serving cares about in aliases.json (which also keeps a history we do not need). */
export interface ModelAliases {
  readonly champion?: number;
  readonly challenger?: number;
  /** The live experiment (experiment.ts), when one runs. */
  readonly experiment?: ExperimentSpec;
}

export interface FetchedModel {
  readonly manifest: ModelManifest;
  readonly onnx: Uint8Array;
}

export interface ModelSource {
  /** Where the models come from (a directory or a base URL), for logs. */
  readonly location: string;
  aliases(name: string): Promise<ModelAliases>;
  /** The version a selector points at; undefined when the alias is unset or the version is absent. */
  resolve(name: string, selector: ModelSelector): Promise<number | undefined>;
  /** NotFoundError when absent; ModelError when the manifest is invalid or the bytes fail their sha256. */
  fetch(name: string, version: number): Promise<FetchedModel>;
}

/** The registry's file names; fixed by training/src/registry/model-registry.ts. */
export const MODEL_REGISTRY_FILES = Object.freeze({
  model: 'model.onnx',
  manifest: 'manifest.json',
  aliases: 'aliases.json',
  tempPrefix: '.tmp-',
});

/** Model names become directory names and URL segments: the same rule as the registry, no path tricks. */
const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
const VERSION_PATTERN = /^[1-9][0-9]{0,8}$/;

export function isModelName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

export function isModelVersion(version: number): boolean {
  return Number.isSafeInteger(version) && version >= 1 && VERSION_PATTERN.test(String(version));
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function checkName(name: string): void {
  if (!isModelName(name)) throw new UsageError(`model name "${name}" must match ${NAME_PATTERN}`);
}

function checkVersion(name: string, version: number): void {
  if (!isModelVersion(version)) throw new UsageError(`${name}: version ${version} must be an integer >= 1`);
}

/** Parses the alias part of aliases.json (or of the HTTP answer); anything else in it is ignored. */
export function parseModelAliases(name: string, json: unknown): ModelAliases {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ModelError(name, 'aliases must be a JSON object');
  const doc = json as Record<string, unknown>;
  const out: { champion?: number; challenger?: number; experiment?: ExperimentSpec } = {};
  for (const alias of ['champion', 'challenger'] as const) {
    const v = doc[alias];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !isModelVersion(v)) throw new ModelError(name, `aliases: ${alias} must be a version number, got ${JSON.stringify(v)}`);
    out[alias] = v;
  }
  if (doc['experiment'] !== undefined && doc['experiment'] !== null) out.experiment = parseExperiment(name, doc['experiment']);
  return out;
}

/** The manifest must be valid and be the one asked for: a copied directory must not pass as another version. */
function checkedManifest(name: string, version: number, json: unknown): ModelManifest {
  const manifest = validateManifest(json);
  if (manifest.name !== name || manifest.version !== version) {
    throw new ModelError(`${name}@${version}`, `manifest describes ${manifest.name}@${manifest.version}`);
  }
  return manifest;
}

function checkedOnnx(manifest: ModelManifest, onnx: Uint8Array): Uint8Array {
  const actual = sha256Hex(onnx);
  if (actual !== manifest.onnxSha256) {
    throw new ModelError(`${manifest.name}@${manifest.version}`, `model.onnx sha256 ${actual} does not match the manifest's ${manifest.onnxSha256}`);
  }
  return onnx;
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Reads `<root>/<name>/...` as laid out by the training registry. Never writes. */
export class DirectoryModelSource implements ModelSource {
  readonly root: string;
  readonly location: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.location = this.root;
  }

  async aliases(name: string): Promise<ModelAliases> {
    checkName(name);
    let text: string;
    try {
      text = await readFile(join(this.root, name, MODEL_REGISTRY_FILES.aliases), 'utf8');
    } catch (err) {
      if (isMissing(err)) return {};
      throw new DependencyError('model-registry', `cannot read ${name}/aliases.json: ${(err as Error).message}`, err);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new ModelError(name, 'aliases.json is not valid JSON', err);
    }
    return parseModelAliases(name, json);
  }

  /**
   * Complete versions, ascending. `.tmp-*` entries are versions being assembled (or a crash's leftovers)
   * and directories without a valid manifest are incomplete: neither is a version yet.
   */
  async versions(name: string): Promise<number[]> {
    checkName(name);
    let entries;
    try {
      entries = await readdir(join(this.root, name), { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return [];
      throw new DependencyError('model-registry', `cannot list ${name}: ${(err as Error).message}`, err);
    }
    const candidates = entries
      .filter((e) => e.isDirectory() && !e.name.startsWith(MODEL_REGISTRY_FILES.tempPrefix) && VERSION_PATTERN.test(e.name))
      .map((e) => Number(e.name))
      .sort((a, b) => a - b);
    const out: number[] = [];
    for (const v of candidates) if (await this.#exists(name, v)) out.push(v);
    return out;
  }

  async resolve(name: string, selector: ModelSelector): Promise<number | undefined> {
    checkName(name);
    const version = typeof selector === 'number' ? selector : (await this.aliases(name))[selector];
    if (version === undefined || !isModelVersion(version)) return undefined;
    return (await this.#exists(name, version)) ? version : undefined;
  }

  async manifest(name: string, version: number): Promise<ModelManifest> {
    checkName(name);
    checkVersion(name, version);
    let text: string;
    try {
      text = await readFile(join(this.#dir(name, version), MODEL_REGISTRY_FILES.manifest), 'utf8');
    } catch (err) {
      if (isMissing(err)) throw new NotFoundError('model-version', `${name}@${version} does not exist`);
      throw new DependencyError('model-registry', `cannot read ${name}@${version} manifest: ${(err as Error).message}`, err);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new ModelError(`${name}@${version}`, 'manifest.json is not valid JSON', err);
    }
    return checkedManifest(name, version, json);
  }

  async fetch(name: string, version: number): Promise<FetchedModel> {
    const manifest = await this.manifest(name, version);
    const dir = this.#dir(name, version);
    for (const path of [dir, join(dir, MODEL_REGISTRY_FILES.manifest), join(dir, MODEL_REGISTRY_FILES.model)]) await this.#confined(`${name}@${version}`, path);
    let onnx: Uint8Array;
    try {
      onnx = await readFile(join(dir, MODEL_REGISTRY_FILES.model));
    } catch (err) {
      if (isMissing(err)) throw new NotFoundError('model-version', `${name}@${version} has no model.onnx`);
      throw new DependencyError('model-registry', `cannot read ${name}@${version} model.onnx: ${(err as Error).message}`, err);
    }
    return { manifest, onnx: checkedOnnx(manifest, onnx) };
  }

  #dir(name: string, version: number): string {
    return join(this.root, name, String(version));
  }

  /**
   * Names and versions are checked against patterns, so no path built here contains "..": what is left is
   * a symbolic link in the registry (a version directory, model.onnx or manifest.json) that leads outside
   * it. Such a file is refused (PATH_ESCAPE) instead of served. A missing file is left to the read to report.
   */
  async #confined(label: string, path: string): Promise<void> {
    let real: string;
    let root: string;
    try {
      [real, root] = await Promise.all([realpath(path), realpath(this.root)]);
    } catch (err) {
      if (isMissing(err)) return;
      throw new DependencyError('model-registry', `cannot resolve ${path}: ${(err as Error).message}`, err);
    }
    if (real !== root && !real.startsWith(root + sep)) {
      throw new ModelRejectedError(label, 'PATH_ESCAPE', `${relative(this.root, path)} resolves outside the model registry, to ${real}`);
    }
  }

  /** A version exists when its manifest is valid; a half-written or foreign directory does not count. */
  async #exists(name: string, version: number): Promise<boolean> {
    try {
      await this.manifest(name, version);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError || err instanceof ModelError) return false;
      throw err;
    }
  }
}

export interface HttpModelSourceOptions {
  /** Per request; a stalled model server must not hang a hot swap forever. */
  readonly timeoutMs?: number;
}

/** Reads the routes of `riskstream models serve` (cli/src/model-server.ts). */
export class HttpModelSource implements ModelSource {
  readonly location: string;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, options: HttpModelSourceOptions = {}) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch (err) {
      throw new UsageError(`model source "${baseUrl}" is not a URL: ${(err as Error).message}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`model source "${baseUrl}" must be http(s)`);
    this.location = baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  async aliases(name: string): Promise<ModelAliases> {
    checkName(name);
    const res = await this.#get(`/v1/models/${name}/aliases`, name);
    if (res === undefined) return {};
    return parseModelAliases(name, await this.#json(res, name));
  }

  async resolve(name: string, selector: ModelSelector): Promise<number | undefined> {
    checkName(name);
    const version = typeof selector === 'number' ? selector : (await this.aliases(name))[selector];
    if (version === undefined || !isModelVersion(version)) return undefined;
    try {
      await this.manifest(name, version);
      return version;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async manifest(name: string, version: number): Promise<ModelManifest> {
    checkName(name);
    checkVersion(name, version);
    const label = `${name}@${version}`;
    const res = await this.#get(`/v1/models/${name}/${version}/${MODEL_REGISTRY_FILES.manifest}`, label);
    if (res === undefined) throw new NotFoundError('model-version', `${label} does not exist at ${this.location}`);
    return checkedManifest(name, version, await this.#json(res, label));
  }

  async fetch(name: string, version: number): Promise<FetchedModel> {
    const manifest = await this.manifest(name, version);
    const label = `${name}@${version}`;
    const res = await this.#get(`/v1/models/${name}/${version}/${MODEL_REGISTRY_FILES.model}`, label);
    if (res === undefined) throw new NotFoundError('model-version', `${label} has no model.onnx at ${this.location}`);
    let onnx: Uint8Array;
    try {
      onnx = new Uint8Array(await res.arrayBuffer());
    } catch (err) {
      throw new DependencyError('model-server', `${label}: reading model.onnx failed: ${(err as Error).message}`, err);
    }
    return { manifest, onnx: checkedOnnx(manifest, onnx) };
  }

  /** undefined on 404; DependencyError (retriable) when the server is unreachable or failing. */
  async #get(path: string, label: string): Promise<Response | undefined> {
    const url = `${this.location}${path}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (err) {
      throw new DependencyError('model-server', `GET ${url} failed: ${(err as Error).message}`, err);
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) {
      const body = await res.text().catch(() => '');
      if (res.status >= 500) throw new DependencyError('model-server', `GET ${url} answered ${res.status}: ${body.slice(0, 200)}`);
      throw new ModelError(label, `GET ${url} answered ${res.status}: ${body.slice(0, 200)}`);
    }
    return res;
  }

  async #json(res: Response, label: string): Promise<unknown> {
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new DependencyError('model-server', `${label}: reading the answer failed: ${(err as Error).message}`, err);
    }
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new ModelError(label, 'model server answered invalid JSON', err);
    }
  }
}

/** MODEL_SOURCE: an http(s) URL selects the model server, anything else is a registry directory. */
export function createModelSource(location: string, options: HttpModelSourceOptions = {}): ModelSource {
  return /^https?:\/\//i.test(location) ? new HttpModelSource(location, options) : new DirectoryModelSource(location);
}
