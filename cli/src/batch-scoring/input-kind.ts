import { ValidationError } from '@riskstream/shared';

/**
 * What an input table holds, told from its columns:
 *  - 'features': every feature the model reads, as served (e.g. an offline-store export): scored as given;
 *  - 'raw': transactions in the transactions.raw.v1 shape (what `riskstream simulate --out` writes):
 *    features are computed first, from the file's own history.
 * A table with both is scored on its feature columns: they are what the stream served.
 */
export type InputKind = 'features' | 'raw';

/** The required fields of transactions.raw.v1 (schemas/transaction-raw.avsc). */
export const RAW_COLUMNS = ['transaction_id', 'card_number', 'amount', 'currency', 'event_time'] as const;

export function detectInputKind(path: string, columns: readonly string[], featureNames: readonly string[]): InputKind {
  const have = new Set(columns);
  const missingFeatures = featureNames.filter((n) => !have.has(n));
  if (missingFeatures.length === 0) return 'features';
  const missingRaw = RAW_COLUMNS.filter((n) => !have.has(n));
  if (missingRaw.length === 0) return 'raw';
  throw new ValidationError('INPUT_COLUMNS_INVALID', [
    {
      path,
      problem:
        `is neither raw transactions (missing ${missingRaw.join(', ')}) nor the model's features ` +
        `(missing ${missingFeatures.slice(0, 5).join(', ')}${missingFeatures.length > 5 ? `, and ${missingFeatures.length - 5} more` : ''})`,
    },
  ]);
}
