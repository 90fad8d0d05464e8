/**
 * Reads a delimited text file with a header row into a Dataset.
 *
 * Decisions (documented because they change results):
 * - Empty cells and NA / N/A / NaN / null / ? (any case) are missing and become NaN.
 * - A column with a non-numeric value is an error unless it is listed in `categorical` (integer codes
 *   0..k-1 over its sorted distinct values) or `oneHot` (one 0/1 column per level, named `col=level`,
 *   levels sorted numerically when all are numbers). A missing cell in a one-hot column yields NaN in
 *   every indicator column, so missingness stays visible to trees. Silently coercing text to NaN would
 *   hide a wrong delimiter or a shifted column, which is why it is not the default.
 * - The target must be 0/1 (or true/false). Rows with a missing target are an error.
 * - Double-quoted fields (with "" escapes) are supported on lines that contain a quote; quoted fields
 *   spanning several lines are not (none of the project's data sets have them).
 */

import { readFile } from 'node:fs/promises';
import { ValidationError } from '@riskstream/shared';
import type { ValidationIssue } from '@riskstream/shared';
import { createDataset } from './dataset.ts';
import type { Dataset } from './dataset.ts';

export interface CsvReadOptions {
  /** Label column (0/1). */
  target: string;
  /** Id column to drop (e.g. `ID`). */
  idColumn?: string;
  /** Further columns to drop. */
  drop?: readonly string[];
  /** Column that becomes `dataset.group` (codes in order of first appearance) instead of a feature. */
  groupColumn?: string;
  /** Column that becomes `dataset.weight` instead of a feature. */
  weightColumn?: string;
  /** Text columns encoded as integer codes (sorted distinct values). */
  categorical?: readonly string[];
  /** Columns expanded into one 0/1 indicator per level (works for numeric codes too, e.g. SEX). */
  oneHot?: readonly string[];
  /** Field separator; default ','. */
  delimiter?: string;
}

export interface CsvDataset {
  dataset: Dataset;
  /** Levels of each `categorical` column; the code of a level is its index. */
  categoryLevels: Readonly<Record<string, readonly string[]>>;
  /** Levels of each `oneHot` column, in the order of the generated indicator columns. */
  oneHotLevels: Readonly<Record<string, readonly string[]>>;
}

const MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', '?']);

function isMissing(cell: string): boolean {
  return cell.length === 0 || MISSING.has(cell.toLowerCase());
}

function splitQuoted(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else inQuotes = false;
      } else cur += ch;
    } else if (ch === '"') inQuotes = true;
    else if (line.startsWith(delimiter, i)) {
      out.push(cur);
      cur = '';
      i += delimiter.length - 1;
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** One line's trimmed cells; quoted fields (with "" escapes) only cost the slow path on lines with a quote. */
export function splitCsvLine(line: string, delimiter = ','): string[] {
  const cells = line.includes('"') ? splitQuoted(line, delimiter) : line.split(delimiter);
  for (let i = 0; i < cells.length; i++) cells[i] = cells[i]!.trim();
  return cells;
}

function sortLevels(levels: string[]): string[] {
  const allNumeric = levels.every((l) => Number.isFinite(Number(l)));
  return allNumeric ? levels.sort((a, b) => Number(a) - Number(b)) : levels.sort();
}

type ColumnRole =
  | { kind: 'numeric'; name: string }
  | { kind: 'categorical'; name: string }
  | { kind: 'one-hot'; name: string }
  | { kind: 'skip' };

/** Parses CSV text (header + rows) into a Dataset. */
export function parseCsvDataset(text: string, options: CsvReadOptions): CsvDataset {
  const delimiter = options.delimiter ?? ',';
  const lines = text.split('\n');
  // Tolerate CRLF files and a trailing newline.
  for (let i = 0; i < lines.length; i++) if (lines[i]!.endsWith('\r')) lines[i] = lines[i]!.slice(0, -1);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length === 0) throw new ValidationError('CSV_EMPTY', [{ path: 'header', problem: 'file is empty' }]);

  const header = splitCsvLine(lines[0]!.replace(/^\uFEFF/, ''), delimiter);
  const issues: ValidationIssue[] = [];
  const indexOf = (name: string | undefined, what: string): number => {
    if (name === undefined) return -1;
    const idx = header.indexOf(name);
    if (idx < 0) issues.push({ path: what, problem: `column "${name}" not in header` });
    return idx;
  };
  const targetIdx = indexOf(options.target, 'target');
  const idIdx = indexOf(options.idColumn, 'idColumn');
  const groupIdx = indexOf(options.groupColumn, 'groupColumn');
  const weightIdx = indexOf(options.weightColumn, 'weightColumn');
  const dropIdx = new Set((options.drop ?? []).map((d) => indexOf(d, 'drop')));
  const categorical = new Set(options.categorical ?? []);
  const oneHot = new Set(options.oneHot ?? []);
  for (const c of [...categorical, ...oneHot]) indexOf(c, categorical.has(c) ? 'categorical' : 'oneHot');
  if (issues.length > 0) throw new ValidationError('CSV_COLUMNS_INVALID', issues);

  const roles: ColumnRole[] = header.map((name, j) => {
    if (j === targetIdx || j === idIdx || j === groupIdx || j === weightIdx || dropIdx.has(j)) return { kind: 'skip' };
    if (oneHot.has(name)) return { kind: 'one-hot', name };
    if (categorical.has(name)) return { kind: 'categorical', name };
    return { kind: 'numeric', name };
  });

  const rows = lines.length - 1;
  const width = header.length;
  // First pass: raw cells, kept only for the columns that need a level dictionary.
  const cells: string[][] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = splitCsvLine(lines[i + 1]!, delimiter);
    if (c.length !== width) {
      issues.push({ path: `line ${i + 2}`, problem: `has ${c.length} fields, header has ${width}` });
      if (issues.length >= 20) break;
    }
    cells[i] = c;
  }
  if (issues.length > 0) throw new ValidationError('CSV_MALFORMED', issues);

  const levelsOf = (j: number): string[] => {
    const seen = new Set<string>();
    for (let i = 0; i < rows; i++) {
      const v = cells[i]![j]!;
      if (!isMissing(v)) seen.add(v);
    }
    return sortLevels([...seen]);
  };
  const categoryLevels: Record<string, readonly string[]> = {};
  const oneHotLevels: Record<string, readonly string[]> = {};
  const featureNames: string[] = [];
  // Per source column: first output column and (for text columns) level -> code.
  const plan: { src: number; out: number; role: ColumnRole; codes?: Map<string, number>; width: number }[] = [];
  roles.forEach((role, j) => {
    if (role.kind === 'skip') return;
    if (role.kind === 'numeric') {
      plan.push({ src: j, out: featureNames.length, role, width: 1 });
      featureNames.push(role.name);
    } else {
      const levels = levelsOf(j);
      const codes = new Map(levels.map((l, k) => [l, k]));
      if (role.kind === 'categorical') {
        categoryLevels[role.name] = Object.freeze(levels);
        plan.push({ src: j, out: featureNames.length, role, codes, width: 1 });
        featureNames.push(role.name);
      } else {
        oneHotLevels[role.name] = Object.freeze(levels);
        plan.push({ src: j, out: featureNames.length, role, codes, width: levels.length });
        for (const l of levels) featureNames.push(`${role.name}=${l}`);
      }
    }
  });

  const cols = featureNames.length;
  const x = new Float32Array(rows * cols);
  const y = new Uint8Array(rows);
  const weight = weightIdx >= 0 ? new Float32Array(rows) : undefined;
  const group = groupIdx >= 0 ? new Int32Array(rows) : undefined;
  const groupCodes = new Map<string, number>();
  const badColumns = new Set<number>();
  for (let i = 0; i < rows; i++) {
    const c = cells[i]!;
    const base = i * cols;
    for (const p of plan) {
      const cell = c[p.src]!;
      if (p.role.kind === 'numeric') {
        if (isMissing(cell)) x[base + p.out] = Number.NaN;
        else {
          const v = Number(cell);
          if (Number.isNaN(v) && !badColumns.has(p.src)) {
            badColumns.add(p.src);
            issues.push({
              path: `${header[p.src]} (line ${i + 2})`,
              problem: `"${cell}" is not a number; list the column in categorical or oneHot`,
            });
          }
          x[base + p.out] = v;
        }
      } else if (p.role.kind === 'categorical') {
        x[base + p.out] = isMissing(cell) ? Number.NaN : p.codes!.get(cell)!;
      } else {
        const code = isMissing(cell) ? -1 : p.codes!.get(cell)!;
        for (let k = 0; k < p.width; k++) x[base + p.out + k] = code < 0 ? Number.NaN : k === code ? 1 : 0;
      }
    }
    const t = c[targetIdx]!.toLowerCase();
    if (t === '1' || t === 'true' || t === '1.0') y[i] = 1;
    else if (t === '0' || t === 'false' || t === '0.0') y[i] = 0;
    else if (issues.length < 20) issues.push({ path: `${options.target} (line ${i + 2})`, problem: `"${c[targetIdx]}" is not 0/1` });
    if (weight) {
      const w = Number(c[weightIdx]);
      if (!(w >= 0) && issues.length < 20) issues.push({ path: `${options.weightColumn} (line ${i + 2})`, problem: `weight "${c[weightIdx]}" is not >= 0` });
      weight[i] = w;
    }
    if (group) {
      const g = c[groupIdx]!;
      let code = groupCodes.get(g);
      if (code === undefined) {
        code = groupCodes.size;
        groupCodes.set(g, code);
      }
      group[i] = code;
    }
  }
  if (issues.length > 0) throw new ValidationError('CSV_VALUES_INVALID', issues);

  const dataset = createDataset({
    featureNames,
    x,
    y,
    ...(weight ? { weight } : {}),
    ...(group ? { group } : {}),
  });
  return { dataset, categoryLevels, oneHotLevels };
}

/** Reads and parses a CSV file (see parseCsvDataset for the rules). */
export async function readCsvDataset(path: string, options: CsvReadOptions): Promise<CsvDataset> {
  const text = await readFile(path, 'utf8');
  return parseCsvDataset(text, options);
}
