import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@riskstream/shared';
import { banditConfigSchema, banditSettings } from '../../../../services/drift-monitor/src/experiments/bandit-config.ts';

test('bandit settings: defaults, and every bad variable reported at once', () => {
  const defaults = loadConfig(banditConfigSchema, {});
  assert.equal(defaults.banditFloorShare, 0.05);
  assert.throws(
    () => loadConfig(banditConfigSchema, { EXPERIMENT_FLOOR_SHARE: '2', EXPERIMENT_DRAWS: 'many', EXPERIMENT_ESTIMATE_WEIGHT: '0' }),
    (err: Error) => ['EXPERIMENT_FLOOR_SHARE', 'EXPERIMENT_DRAWS', 'EXPERIMENT_ESTIMATE_WEIGHT'].every((v) => err.message.includes(v)),
  );
});

test('an experiment\'s bandit settings: its cap and minimum, a floor that fits its arms and its cap', () => {
  const c = loadConfig(banditConfigSchema, { EXPERIMENT_FLOOR_SHARE: '0.4' });
  const s = banditSettings(c, { arms: [1, 2, 3], maxShare: 0.3, minEvents: 5000 });
  assert.equal(s.maxShare, 0.3);
  assert.equal(s.minEvents, 5000);
  assert.equal(s.floorShare, 0.3);
  assert.ok(Math.abs(banditSettings(c, { arms: [1, 2, 3], maxShare: 1, minEvents: 0 }).floorShare - 1 / 3) < 1e-12);
});
