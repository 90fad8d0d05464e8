import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ConfigError, createValueModel, loadConfig } from '@riskstream/shared';
import { checkDriftMonitorConfig, driftMonitorConfigSchema } from '../../../services/drift-monitor/src/config.ts';
import { parseFeatureSelection, selectFeatures } from '../../../services/drift-monitor/src/feature-selection.ts';
import { FEATURE_NAMES } from '@riskstream/shared/features';

const load = (env: Record<string, string>) => loadConfig(driftMonitorConfigSchema, env, checkDriftMonitorConfig);

test('config: the defaults load and match the monitoring contract (port 8094, group riskstream-drift-monitor)', () => {
  const c = load({});
  assert.equal(c.httpPort, 8094);
  assert.equal(c.groupId, 'riskstream-drift-monitor');
  assert.equal(c.modelName, 'fraud');
  assert.equal(c.correction, 'benjamini-hochberg');
  assert.equal(c.features, 'auto');
});

test('config: every problem is reported at once, cross-field rules included', () => {
  assert.throws(() => load({ DRIFT_CORRECTION: 'bonferroni', DRIFT_ALPHA: '2' }), (err: ConfigError) => err.issues.length === 2);
  assert.throws(() => load({ DRIFT_TIME_WINDOW_MS: '60000', DRIFT_ALLOWED_LATENESS_MS: '60000' }), /DRIFT_ALLOWED_LATENESS_MS/);
  assert.throws(() => load({ DRIFT_COUNT_WINDOW_EVENTS: '1000', DRIFT_MIN_EVENTS: '2000' }), /DRIFT_MIN_EVENTS/);
  assert.throws(() => load({ MODEL_SOURCE: 's3://bucket/registry' }), /MODEL_SOURCE/);
  assert.throws(() => load({ DRIFT_FEATURES: 'a,,b' }), /DRIFT_FEATURES/);
});

test('config: the value model of the riskstream_value_* metrics comes from VALUE_*, checked with the rest', () => {
  const model = createValueModel(load({ VALUE_CURRENCY: 'USD', VALUE_REVIEW_COST: '2.5' }));
  assert.equal(model.currency, 'USD');
  assert.equal(model.realised('REVIEW', 10, false), -2.5);
  assert.equal(createValueModel(load({})).currency, 'EUR');
  assert.throws(() => load({ VALUE_CHARGEBACK_COST: '-3', DRIFT_ALPHA: '2' }), (err: ConfigError) => err.issues.map((i) => i.field).sort().join() === 'DRIFT_ALPHA,VALUE_CHARGEBACK_COST');
});

test('feature selection: auto leaves out the calendar flags and the time-of-day dependent customer windows', () => {
  const profile = { features: Object.fromEntries(FEATURE_NAMES.map((n) => [n, { kind: 'numeric' as const, binEdges: [0, 1], proportions: [1], missingRate: 0 }])), score: { kind: 'numeric' as const, binEdges: [0, 1], proportions: [1], missingRate: 0 } };
  assert.deepEqual(selectFeatures(profile, 'auto').monitored, [
    'TX_AMOUNT',
    'CUSTOMER_ID_AVG_AMOUNT_7DAY_WINDOW',
    'CUSTOMER_ID_AVG_AMOUNT_30DAY_WINDOW',
    'TERMINAL_ID_NB_TX_1DAY_WINDOW',
    'TERMINAL_ID_RISK_1DAY_WINDOW',
    'TERMINAL_ID_NB_TX_7DAY_WINDOW',
    'TERMINAL_ID_RISK_7DAY_WINDOW',
    'TERMINAL_ID_NB_TX_30DAY_WINDOW',
    'TERMINAL_ID_RISK_30DAY_WINDOW',
  ]);
  assert.equal(selectFeatures(profile, 'all').monitored.length, 15);
  assert.deepEqual(selectFeatures(profile, parseFeatureSelection('TX_AMOUNT, nope')), { monitored: ['TX_AMOUNT'], unknown: ['nope'] });
  // A model on other features (a CSV) monitors all of them.
  const other = { features: { LIMIT_BAL: profile.features.TX_AMOUNT!, PAY_0: profile.features.TX_AMOUNT! }, score: profile.score };
  assert.deepEqual(selectFeatures(other, 'auto').monitored, ['LIMIT_BAL', 'PAY_0']);
});

test('main --help lists every variable and exits 0', () => {
  const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', '..', '..', 'services', 'drift-monitor', 'src', 'main.ts'), '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const f of Object.values(driftMonitorConfigSchema)) assert.ok(r.stdout.includes(f.env), f.env);
});
