import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

test('the committed rule files, Grafana provisioning, dashboards and runbook table match what monitoring/generate.ts produces', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'monitoring', 'generate.ts'), '--check'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stderr}${r.stdout}`);
});
