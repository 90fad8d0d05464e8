import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GateResult } from '@riskstream/training';
import { gateHeadline, gateReasons, rollbackReasons } from '../../../training/src/worker/decision-reasons.ts';

const SETTINGS = { metric: 'roc_auc' as const, margin: 0.005, iterations: 500, confidence: 0.95 };

function gate(over: Partial<GateResult>): GateResult {
  return { promote: false, reasons: ['gate detail'], metric: 'roc_auc', challenger: 0.81, champion: 0.82, hasChampion: true, delta: -0.01, ci: [-0.02, 0.01], pValue: 0.3, skippedResamples: 0, ...over };
}

test('a refused challenger names both metrics, the delta, the interval and the margin it missed', () => {
  assert.equal(gateHeadline(gate({}), SETTINGS, 3), 'AUC 0.8100 vs champion v3 0.8200: delta -0.0100, 95% CI [-0.0200, 0.0100] does not clear margin 0.005');
  assert.deepEqual(gateReasons(gate({}), SETTINGS, 3).slice(1), ['gate detail']);
});

test('a promoted challenger says it clears the margin; without a champion the reference is the no-skill baseline', () => {
  const passed = gate({ promote: true, challenger: 0.85, delta: 0.03, ci: [0.012, 0.047] });
  assert.equal(gateHeadline(passed, SETTINGS, 3), 'AUC 0.8500 vs champion v3 0.8200: delta +0.0300, 95% CI [0.0120, 0.0470] clears margin 0.005');
  const first = gate({ promote: true, hasChampion: false, metric: 'average_precision', challenger: 0.4, champion: 0.05, delta: 0.35, ci: [0.3, 0.4] });
  assert.equal(gateHeadline(first, SETTINGS, undefined), 'AP 0.4000 vs no-skill baseline 0.0500: delta +0.3500, 95% CI [0.3000, 0.4000] clears margin 0');
});

test('a challenger with invalid scores is described by the gate reasons, not with NaN numbers', () => {
  const bad = gate({ challenger: Number.NaN, delta: Number.NaN, ci: [Number.NaN, Number.NaN], reasons: ['challenger score at row 3 is NaN, not a probability'] });
  assert.equal(gateHeadline(bad, SETTINGS, 3), 'AUC: the challenger could not be evaluated (challenger score at row 3 is NaN, not a probability)');
});

test('rollback reasons quote the alert, its summary and value, the evidence range and drifted features', () => {
  const reasons = rollbackReasons(
    {
      alert_name: 'FraudModelAucDrop',
      source: 'alertmanager',
      fingerprint: 'abc123',
      range_start: Date.parse('2025-04-01T00:00:00Z'),
      range_end: Date.parse('2025-04-02T00:00:00Z'),
      drifted_features: ['TX_AMOUNT'],
      evidence_json: JSON.stringify({ alert: { annotations: { summary: 'realised AUC fell below 0.7' }, value_string: 'auc=0.64' } }),
    },
    3,
    2,
  );
  assert.deepEqual(reasons, [
    'alert FraudModelAucDrop (alertmanager, fingerprint abc123) requested a rollback: v3 -> v2',
    'alert summary: realised AUC fell below 0.7',
    'alert value: auc=0.64',
    'evidence range [2025-04-01T00:00:00.000Z, 2025-04-02T00:00:00.000Z)',
    'drifted features: TX_AMOUNT',
  ]);
  const raw = rollbackReasons({ alert_name: 'a', source: 'grafana', fingerprint: 'f', range_start: 0, range_end: 0, drifted_features: [], evidence_json: 'x'.repeat(1000) }, 2, 1);
  assert.equal(raw.length, 2);
  assert.ok(raw[1]!.length < 320, 'evidence that is not JSON is quoted, clipped');
});
