/**
 * The rows `riskstream score` writes: one per scored input row, in input order. The id is the row's
 * transaction_id when the input has one, else its 1-based data row number. Nothing about the card is
 * written: raw input's card numbers never leave the featuriser.
 */
import type { OfflineColumn } from '@riskstream/shared';
import type { RowScore } from './batch-scorer.ts';
import type { TableRecord } from './table-writer.ts';

export type IdColumn = 'transaction_id' | 'row';

const column = (name: string, type: OfflineColumn['type'], description: string): OfflineColumn => ({ name, type, nullable: false, description });

export function scoreColumns(id: IdColumn): OfflineColumn[] {
  return [
    id === 'transaction_id' ? column('transaction_id', 'VARCHAR', 'transaction id of the input row') : column('row', 'BIGINT', '1-based data row of the input'),
    column('score', 'DOUBLE', 'calibrated probability of fraud'),
    column('decision', 'VARCHAR', 'APPROVE, REVIEW or DECLINE by the model\'s thresholds'),
    column('reasons', 'VARCHAR', 'top 3 features by contribution to the score, [{feature, contribution}] (JSON text in CSV and Parquet)'),
    column('model_name', 'VARCHAR', 'registered model name'),
    column('model_version', 'INTEGER', 'registered model version'),
  ];
}

export function scoreRecord(id: string | number, s: RowScore, model: { readonly name: string; readonly version: number }): TableRecord {
  return [id, s.score, s.decision, s.reasons, model.name, model.version];
}
