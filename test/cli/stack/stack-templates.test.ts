import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StackError } from '@riskstream/shared';
import { ASSETS_DIR, renderTemplate } from '../../../cli/src/stack/components.ts';
import { renderAlertmanagerConfig, renderPrometheusConfig } from '../../../cli/src/stack/prometheus.ts';

const prometheusTemplate = readFileSync(join(ASSETS_DIR, 'prometheus', 'prometheus.yml'), 'utf8');
const alertmanagerTemplate = readFileSync(join(ASSETS_DIR, 'prometheus', 'alertmanager.yml'), 'utf8');

const prometheusYml = renderPrometheusConfig(prometheusTemplate, {
  prometheus: { host: '127.0.0.1', port: 9090 },
  alertmanager: { host: '127.0.0.1', port: 9093 },
  rulesDir: '/tmp/stack/prometheus/rules',
  targetsDir: '/tmp/stack/prometheus/targets',
});
const alertmanagerYml = renderAlertmanagerConfig(alertmanagerTemplate, 'http://127.0.0.1:8090/alerts/alertmanager');

function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

test('the Prometheus template scrapes itself, alerts to Alertmanager and loads rules from the rules dir', () => {
  assert.doesNotMatch(prometheusYml, /\{\{/);
  assert.match(prometheusYml, /- '\/tmp\/stack\/prometheus\/rules\/\*\.yml'/);
  assert.match(prometheusYml, /job_name: prometheus\n\s+static_configs:\n\s+- targets: \['127\.0\.0\.1:9090'\]/);
  assert.match(prometheusYml, /job_name: riskstream\n\s+file_sd_configs:\n\s+- files: \['\/tmp\/stack\/prometheus\/targets\/\*\.json'\]/);
  assert.match(prometheusYml, /alertmanagers:\n\s+- static_configs:\n\s+- targets: \['127\.0\.0\.1:9093'\]/);
});

test('the Alertmanager template routes everything to the riskstream webhook', () => {
  assert.doesNotMatch(alertmanagerYml, /\{\{/);
  assert.match(alertmanagerYml, /url: 'http:\/\/127\.0\.0\.1:8090\/alerts\/alertmanager'/);
});

test('rendered configs pass promtool and amtool', { skip: !hasTool('promtool') || !hasTool('amtool') }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'riskstream-prom-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'prometheus.yml'), prometheusYml);
  writeFileSync(join(dir, 'alertmanager.yml'), alertmanagerYml);
  const prom = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
  assert.equal(prom.status, 0, prom.stdout + prom.stderr);
  const am = spawnSync('amtool', ['check-config', join(dir, 'alertmanager.yml')], { encoding: 'utf8' });
  assert.equal(am.status, 0, am.stdout + am.stderr);
});

test('a template placeholder without a value is a StackError, not a silently broken config', () => {
  assert.throws(() => renderTemplate('prometheus', 'x: {{MISSING}}', {}), (e: unknown) => e instanceof StackError && /MISSING/.test(e.message));
  assert.equal(renderTemplate('c', '{{A}}-{{A}}:{{B}}', { A: 'x', B: 1 }), 'x-x:1');
});
