import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { processAlive } from '@riskstream/shared';

test('processAlive: this process yes, an exited one no', () => {
  assert.equal(processAlive(process.pid), true);
  const exited = Number(spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim());
  assert.equal(processAlive(exited), false);
});
