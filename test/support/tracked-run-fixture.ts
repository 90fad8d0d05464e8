import type { TrackedRun } from '@riskstream/training';

/** A finished, registered training run with every field set; `over` replaces whole fields. */
export function trackedRunFixture(id: string, over: Partial<TrackedRun> = {}): TrackedRun {
  return {
    id,
    model: 'fraud',
    kind: 'train',
    status: 'finished',
    startedAt: '2026-12-07T10:00:00.000Z',
    endedAt: '2026-12-07T10:01:30.000Z',
    params: { algorithm: 'gbdt', 'gbdt.maxLeaves': 8, seed: 42 },
    data: { source: { kind: 'csv', file: 'x.csv' }, rows: 100, trainRows: 70, testRows: 30, hash: 'abc123' },
    metrics: { ap: 0.5, auc: 0.7, logloss: 0.3 },
    artifacts: { 'report.html': '/tmp/runs-test/report.html' },
    outcome: { status: 'registered', version: 1, reasons: ['gate refused: ap below champion'] },
    codeVersion: 'deadbeef-dirty',
    ...over,
  };
}
