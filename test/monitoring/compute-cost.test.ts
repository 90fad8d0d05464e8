import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '@riskstream/shared';
import { COST_RECORDS } from '../../monitoring/compute-cost.ts';
import { DEFAULT_COST_SETTINGS, loadCostSettings } from '../../monitoring/cost-settings.ts';
import { renderPrometheusRules } from '../../monitoring/prometheus-rules.ts';
import { ROOT } from '../grafana/dashboard-queries.ts';

const PROMTOOL_TESTS = join(import.meta.dirname, 'cost-value.rules.promtool.yml');
const GENERATE = join(ROOT, 'monitoring', 'generate.ts');

function generate(args: readonly string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [GENERATE, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
}

interface RuleFile {
  groups: { name: string; rules: { record?: string; expr: string; labels?: Record<string, string> }[] }[];
}

test('promtool test rules: cost per 1,000 scores per stage, and value per version and arm', () => {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  assert.equal(found.status, 0, 'promtool is not on PATH: install the Debian `prometheus` package (`apt-get install prometheus`), as CI does');
  const r = spawnSync('promtool', ['test', 'rules', PROMTOOL_TESTS], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});

test('the price per core-hour and its currency go into the recorded price series', () => {
  const doc = parse(renderPrometheusRules({ costPerCoreHour: 0.125, costCurrency: 'USD' })) as RuleFile;
  const cost = doc.groups.find((g) => g.name === 'riskstream-cost.rules')!;
  const price = cost.rules.find((r) => r.record === COST_RECORDS.price)!;
  assert.equal(price.expr, 'vector(0.125)');
  assert.deepEqual(price.labels, { currency: 'USD' });
  // Each rule reads only records defined before it in its group (evaluated in order).
  const seen = new Set<string>();
  for (const r of cost.rules) {
    for (const name of Object.values(COST_RECORDS)) if (r.expr.includes(name)) assert.ok(seen.has(name), `${r.record} reads ${name} before it is recorded`);
    seen.add(r.record!);
  }
});

test('COST_PER_CORE_HOUR and COST_CURRENCY: defaults, overrides, every bad value reported at once', () => {
  assert.deepEqual({ ...DEFAULT_COST_SETTINGS }, { costPerCoreHour: 0.04, costCurrency: 'EUR' });
  assert.deepEqual({ ...loadCostSettings({ COST_PER_CORE_HOUR: '0.5', COST_CURRENCY: 'GBP' }) }, { costPerCoreHour: 0.5, costCurrency: 'GBP' });
  assert.throws(
    () => loadCostSettings({ COST_PER_CORE_HOUR: '-1', COST_CURRENCY: 'pounds' }),
    (err: unknown) => err instanceof ConfigError && err.issues.map((i) => i.field).sort().join() === 'COST_CURRENCY,COST_PER_CORE_HOUR',
  );
});

test('generate.ts: --help names the cost variables; a bad one exits 2; another price makes the committed rules stale', () => {
  const help = generate(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /COST_PER_CORE_HOUR .*\(default: 0\.04\)/);
  assert.match(help.stdout, /COST_CURRENCY .*\(default: EUR\)/);
  const bad = generate(['--check'], { COST_PER_CORE_HOUR: 'cheap' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /COST_PER_CORE_HOUR: must be a number/);
  const other = generate(['--check'], { COST_PER_CORE_HOUR: '0.1' });
  assert.equal(other.status, 1);
  assert.match(other.stderr, /stale generated files .*cli\/stack\/prometheus\/rules\/riskstream\.rules\.yml/);
  assert.doesNotMatch(other.stderr, /riskstream-(pipeline|model)\.json/, 'the price is only in the rules; dashboards read the recorded series');
});
