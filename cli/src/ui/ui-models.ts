/**
 * The registry as the UI shows it (every model: versions with headline metrics, aliases and their
 * history, the experiment), the report file of a version, and promote/rollback. Promote and rollback are
 * the CLI's own (promoteModel, rollbackModel of `riskstream models`), so the UI refuses, records and
 * announces exactly as the CLI does (gate check, alias history, models.lifecycle.v1).
 */
import { Writable } from 'node:stream';
import { NotFoundError, UsageError } from '@riskstream/shared';
import type { ExperimentSpec } from '@riskstream/shared/model';
import type { ModelRegistry, RegisteredModel } from '@riskstream/training';
import type { CommandIo } from '../command.ts';
import { promoteModel, rollbackModel } from '../commands/models-command.ts';

/** aliases.json as the registry reads it. */
type AliasesDocument = Awaited<ReturnType<ModelRegistry['aliases']>>;

export interface VersionView {
  readonly version: number;
  readonly aliases: readonly string[];
  readonly createdAt: string;
  readonly kind: string;
  readonly parentVersion: number | null;
  /** The manifest's top-level numeric metrics (roc_auc, average_precision, ...). */
  readonly metrics: Readonly<Record<string, number>>;
  readonly thresholds: { readonly review: number; readonly decline: number };
  readonly reportUrl: string | null;
  readonly driftReportUrl: string;
}

export interface ModelView {
  readonly name: string;
  readonly champion: number | null;
  readonly challenger: number | null;
  readonly versions: readonly VersionView[];
  readonly history: AliasesDocument['history'];
  readonly experiment: ExperimentSpec | null;
  readonly endedExperiments: NonNullable<AliasesDocument['endedExperiments']>;
}

export async function listModels(registry: ModelRegistry): Promise<ModelView[]> {
  return Promise.all((await registry.models()).map((name) => modelView(registry, name)));
}

/** One model; NotFoundError when the registry has no directory of that name. */
export async function getModel(registry: ModelRegistry, name: string): Promise<ModelView> {
  await requireModel(registry, name);
  return modelView(registry, name);
}

async function requireModel(registry: ModelRegistry, name: string): Promise<void> {
  if (!(await registry.models()).includes(name)) throw new NotFoundError('model', `no model named ${JSON.stringify(name)} in ${registry.root}`);
}

async function modelView(registry: ModelRegistry, name: string): Promise<ModelView> {
  const [aliases, versions] = await Promise.all([registry.aliases(name), registry.list(name)]);
  return {
    name,
    champion: aliases.champion ?? null,
    challenger: aliases.challenger ?? null,
    versions: versions.map(versionView),
    history: aliases.history,
    experiment: aliases.experiment ?? null,
    endedExperiments: aliases.endedExperiments ?? [],
  };
}

function versionView(e: RegisteredModel): VersionView {
  const metrics = Object.fromEntries(Object.entries(e.manifest.metrics).filter((kv): kv is [string, number] => typeof kv[1] === 'number'));
  const base = `/models/${encodeURIComponent(e.name)}/${e.version}`;
  return {
    version: e.version,
    aliases: e.aliases,
    createdAt: e.manifest.createdAt,
    kind: e.manifest.kind,
    parentVersion: e.manifest.parentVersion ?? null,
    metrics,
    thresholds: { review: e.manifest.thresholds.review, decline: e.manifest.thresholds.decline },
    reportUrl: e.reportPath ? `${base}/report.html` : null,
    driftReportUrl: `${base}/drift-report`,
  };
}

/** A version number from a URL segment or a JSON body; UsageError otherwise. */
export function versionOf(raw: unknown): number {
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (typeof text !== 'string' || !/^[1-9]\d{0,8}$/.test(text)) throw new UsageError(`version must be a positive integer, got ${JSON.stringify(raw)}`);
  return Number(text);
}

/** The training report of one version; NotFoundError when the version or its report is absent. */
export async function reportPath(registry: ModelRegistry, name: string, version: number): Promise<string> {
  await requireModel(registry, name);
  const entry = await registry.get(name, version);
  if (!entry.reportPath) throw new NotFoundError('report', `${name} v${version} has no report.html`);
  return entry.reportPath;
}

export interface RegistryChangeResult {
  /** The command's exit code: 0 done and announced; 1 refused, or done but not announced. */
  readonly exitCode: number;
  readonly champion: number | null;
  /** Whether the champion is another version than before. */
  readonly changed: boolean;
  /** Whether the change went out on models.lifecycle.v1 (not with RISKSTREAM_NO_PUBLISH=1). */
  readonly announced: boolean;
  readonly output: string;
  readonly errors: string;
}

/**
 * What `riskstream models promote NAME VERSION` or `models rollback NAME` does, against this registry, with
 * the UI's environment (Kafka settings, TOPIC_NAMESPACE, RISKSTREAM_NO_PUBLISH) for the announcement.
 */
export async function changeRegistry(
  registry: ModelRegistry,
  env: Readonly<Record<string, string | undefined>>,
  change: { readonly verb: 'promote'; readonly name: string; readonly version: number } | { readonly verb: 'rollback'; readonly name: string },
): Promise<RegistryChangeResult> {
  await requireModel(registry, change.name);
  const stdout = textSink();
  const stderr = textSink();
  const io: CommandIo = { stdout: stdout.stream, stderr: stderr.stream, env };
  const before = (await registry.aliases(change.name)).champion ?? null;
  const exitCode = change.verb === 'promote' ? await promoteModel(registry, change.name, change.version, io) : await rollbackModel(registry, change.name, io);
  const champion = (await registry.aliases(change.name)).champion ?? null;
  const announced = exitCode === 0 && env['RISKSTREAM_NO_PUBLISH'] !== '1';
  return { exitCode, champion, changed: champion !== before, announced, output: stdout.text(), errors: stderr.text() };
}

function textSink(): { stream: Writable; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}
