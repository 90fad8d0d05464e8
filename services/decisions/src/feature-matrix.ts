/**
 * What a client sent, as the float32 columns `FeatureModel.score` takes. Both protocol surfaces (Open
 * Inference, MLflow) first turn their payload into named columns (a `ColumnTable`), then come through
 * here, so a cell means the same thing whichever protocol carried it.
 */
import { ModelError, ValidationError } from '@riskstream/shared';
import type { FeatureModel } from './model-catalog.ts';

/** The cell of one column at `row`; undefined when the payload has none (a record without the key). */
export type CellReader = (row: number) => unknown;

/** A payload's columns by name, not yet matched to a model. */
export interface ColumnTable {
  readonly rows: number;
  readonly columns: ReadonlyMap<string, CellReader>;
}

export interface FeatureMatrix {
  /** One column per feature, in the model's `featureNames` order. */
  readonly columns: readonly Float32Array[];
  readonly rows: number;
}

/**
 * The model's features, in its order, read from `table` by name. Columns the model does not take are not
 * read. Throws ValidationError FEATURES_MISSING (one issue per missing feature) or FEATURE_VALUE_INVALID.
 */
export function toFeatureMatrix(featureNames: readonly string[], table: ColumnTable): FeatureMatrix {
  const missing = featureNames.filter((name) => !table.columns.has(name));
  if (missing.length > 0) {
    throw new ValidationError('FEATURES_MISSING', missing.map((name) => ({ path: name, problem: 'is missing' })));
  }
  const columns = featureNames.map((name) => featureColumn(name, table.rows, table.columns.get(name)!));
  return { columns, rows: table.rows };
}

/**
 * A JSON number is the value (rounded to float32 when stored); null or an absent cell is NaN, how the
 * models take a missing value (JSON has no NaN). Anything else is an error rather than a guess: a string
 * or a boolean in a feature column is a client bug that a silent NaN would hide in the score.
 */
function featureColumn(feature: string, rows: number, read: CellReader): Float32Array {
  const column = new Float32Array(rows);
  for (let row = 0; row < rows; row++) {
    const cell = read(row);
    if (typeof cell === 'number') column[row] = cell;
    else if (cell === null || cell === undefined) column[row] = NaN;
    else throw new ValidationError('FEATURE_VALUE_INVALID', [{ path: `${feature}[${row}]`, problem: `is ${kindOf(cell)}, not a number` }]);
  }
  return column;
}

/** "a string", "an array", ... for error messages; never the value itself (it is client data). */
export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

/**
 * Scores a matrix. An empty batch does not reach the model (a valid request, and some runtimes reject a
 * zero-sized tensor); a model that answers the wrong number of rows is a ModelError, never a short reply.
 */
export async function scoreMatrix(model: FeatureModel, matrix: FeatureMatrix): Promise<Float32Array> {
  if (matrix.rows === 0) return new Float32Array(0);
  const scores = await model.score(matrix.columns, matrix.rows);
  if (scores.length !== matrix.rows) {
    throw new ModelError(`${model.name} v${model.version}`, `scored ${scores.length} rows for a batch of ${matrix.rows}`);
  }
  return scores;
}

/** The issues of a ValidationError as one sentence for an error body. */
export function describeIssues(err: ValidationError): string {
  return err.issues.map((issue) => `${issue.path} ${issue.problem}`).join('; ');
}
