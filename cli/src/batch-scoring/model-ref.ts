import { NotFoundError, UsageError } from '@riskstream/shared';
import { isModelName, type FetchedModel, type ModelSelector, type ModelSource } from '@riskstream/shared/model';

/** `NAME`, `NAME@VERSION`, `NAME@champion` or `NAME@challenger`; a bare name means its champion. */
export interface ModelRef {
  readonly name: string;
  readonly selector: ModelSelector;
}

export function parseModelRef(text: string): ModelRef {
  const at = text.indexOf('@');
  const name = at < 0 ? text : text.slice(0, at);
  const sel = at < 0 ? 'champion' : text.slice(at + 1);
  if (!isModelName(name)) throw new UsageError(`--model "${text}": "${name}" is not a model name`);
  if (/^[1-9]\d*$/.test(sel)) return { name, selector: Number(sel) };
  if (sel === 'champion' || sel === 'challenger') return { name, selector: sel };
  throw new UsageError(`--model "${text}": use NAME, NAME@VERSION, NAME@champion or NAME@challenger`);
}

export function formatModelRef(ref: ModelRef): string {
  return `${ref.name}@${ref.selector}`;
}

/** The model a reference points at, verified by the source (manifest and sha256). */
export async function fetchModel(source: ModelSource, ref: ModelRef): Promise<FetchedModel> {
  const version = await source.resolve(ref.name, ref.selector);
  if (version === undefined) {
    const what = typeof ref.selector === 'number' ? `version ${ref.selector}` : ref.selector;
    throw new NotFoundError('model', `${ref.name} has no ${what} in ${source.location} (riskstream models list; riskstream train registers one)`);
  }
  return source.fetch(ref.name, version);
}
