/**
 * Projects a Dataset onto a list of named feature columns, in the order given. Used by feature selection
 * to refit without some columns, and to line a validation set up with a model's featureNames (the order
 * of featureNames is the model contract: `x[row * cols + j]` is feature j).
 */

import { ValidationError } from '@riskstream/shared';
import type { ValidationIssue } from '@riskstream/shared';
import type { Dataset } from './dataset.ts';

/** Column index in `ds` of each name, in order; every unknown, duplicate or missing name is reported at once. */
export function columnIndices(ds: Dataset, names: readonly string[]): Uint32Array {
  const position = new Map(ds.featureNames.map((name, j) => [name, j] as const));
  const issues: ValidationIssue[] = [];
  if (names.length === 0) issues.push({ path: 'names', problem: 'must name at least one feature' });
  const seen = new Set<string>();
  const index = new Uint32Array(names.length);
  names.forEach((name, k) => {
    const j = position.get(name);
    if (j === undefined) issues.push({ path: `names[${k}]`, problem: `unknown feature '${name}'` });
    else index[k] = j;
    if (seen.has(name)) issues.push({ path: `names[${k}]`, problem: `feature '${name}' is named twice` });
    seen.add(name);
  });
  if (issues.length > 0) throw new ValidationError('COLUMNS_INVALID', issues);
  return index;
}

/**
 * A Dataset with only the named columns, in the order of `names`. `x` is a new array; the row-aligned
 * `y`, `weight` and `group` are shared with `ds` since the rows are the same.
 */
export function selectColumns(ds: Dataset, names: readonly string[]): Dataset {
  const index = columnIndices(ds, names);
  const cols = index.length;
  const x = new Float32Array(ds.rows * cols);
  for (let i = 0, src = 0, dst = 0; i < ds.rows; i++, src += ds.cols, dst += cols) {
    for (let k = 0; k < cols; k++) x[dst + k] = ds.x[src + index[k]!]!;
  }
  return {
    featureNames: Object.freeze([...names]),
    rows: ds.rows,
    cols,
    x,
    y: ds.y,
    ...(ds.weight ? { weight: ds.weight } : {}),
    ...(ds.group ? { group: ds.group } : {}),
  };
}
