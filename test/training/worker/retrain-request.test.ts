import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError, loadConfig } from '@riskstream/shared';
import { validateRetrainRequest } from '../../../training/src/worker/retrain-request.ts';
import { checkTrainerConfig, trainerConfigSchema } from '../../../training/src/worker/config.ts';

const OK = {
  event_id: 'e1',
  model_name: 'fraud',
  model_version: 3,
  alert_name: 'FraudDrift',
  action: 'RETRAIN',
  source: 'alertmanager',
  fingerprint: 'f',
  starts_at: 1,
  range_start: 2,
  range_end: 3,
  drifted_features: ['TX_AMOUNT'],
  evidence_json: '{}',
  created_at: 4,
};

test('a well-formed request passes; Avro timestamps decoded as Date become epoch ms', () => {
  assert.deepEqual(validateRetrainRequest('modelsRetrain', OK), OK);
  const v = validateRetrainRequest('modelsRetrain', { ...OK, range_end: new Date(5000) });
  assert.equal(v.range_end, 5000);
});

test('a request the worker cannot act on is refused with every problem (and dead-lettered by the runner)', () => {
  assert.throws(
    () => validateRetrainRequest('modelsRetrain', { ...OK, event_id: '', model_name: '../x', action: 'DELETE', model_version: -1, range_end: 'soon' }),
    (e: unknown) => e instanceof ValidationError && e.issues.map((i) => i.path).join(',') === 'event_id,model_name,action,model_version,range_end',
  );
});

test('the config refuses a window with no training days and malformed feature lists', () => {
  const issues = checkTrainerConfig(loadConfig(trainerConfigSchema, { TRAINER_WINDOW_DAYS: '14', TRAINER_HOLDOUT_DAYS: '7', TRAINER_LABEL_DELAY_DAYS: '7', TRAINER_FEATURES: 'A,,A' }));
  assert.deepEqual(issues.map((i) => i.field), ['TRAINER_WINDOW_DAYS', 'TRAINER_FEATURES']);
  const defaults = loadConfig(trainerConfigSchema, {});
  assert.deepEqual(checkTrainerConfig(defaults), []);
  assert.equal(defaults.httpPort, 8097);
  assert.equal(defaults.groupId, 'riskstream-trainer');
  assert.equal(defaults.shadowPeriodMs, 0);
});
