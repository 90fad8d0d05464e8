import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allQueries, prometheusRules, ROOT } from '../grafana/dashboard-queries.ts';
import { declarationsIn, declaredMetrics, isWellKnown } from './declared-metrics.ts';
import { metricNames } from './promql-names.ts';

test('metricNames finds selected series, not functions, keywords, labels, durations or numbers', () => {
  assert.deepEqual(
    metricNames('sum by (service, le) (rate(a_bucket{le=~"1|1\\\\.0", x="y"}[5m])) / on(service) group_left(z) b_total offset 1m > 1e3 and c:recorded'),
    ['a_bucket', 'b_total', 'c:recorded'],
  );
  assert.deepEqual(metricNames('label_replace(x - on(m) y, "metric", "roc_auc", "", "") or vector(0)'), ['x', 'y']);
  assert.deepEqual(metricNames('sum by (d) (rate(e[1m])) / ignoring(d) group_left sum(rate(e[1m]))'), ['e']);
});

test('declarationsIn reads prom-client declarations and adds histogram series', () => {
  const found = declarationsIn(`import { Histogram, Gauge } from 'prom-client';
    new Histogram({ name: 'x_seconds', help: 'h', labelNames: ['name'], registers });
    new Gauge<'a'>({ help: 'g', name: "y_ratio" });`);
  assert.deepEqual([...found], [['x_seconds', 'Histogram'], ['y_ratio', 'Gauge']]);
  assert.equal(declarationsIn(`const spec = { name: 'not_a_metric' };`).size, 0);
  const helpers = declarationsIn(`import { Gauge } from 'prom-client';
    const g = (name: string, help: string) => new Gauge({ name, help, registers });
    const m = { psi: g('drift_feature_psi', 'PSI'), other: lookup('x') };`);
  assert.deepEqual([...helpers], [['drift_feature_psi', 'unknown']]);
});

// Expected to fail until every metric of the monitoring contract is declared (the drift monitor's).
test('every dashboard, Grafana alert and Prometheus rule query names only metrics some code declares', () => {
  const declared = declaredMetrics(ROOT);
  const recorded = new Set(prometheusRules().groups.flatMap((g) => g.rules.flatMap((r) => (r.record === undefined ? [] : [r.record]))));
  const missing = new Map<string, Set<string>>();
  for (const q of allQueries()) {
    for (const name of metricNames(q.expr)) {
      if (declared.names.has(name) || recorded.has(name) || isWellKnown(name)) continue;
      const uses = missing.get(name) ?? new Set<string>();
      uses.add(`${q.kind} "${q.title}"`);
      missing.set(name, uses);
    }
  }
  const report = [...missing].sort(([a], [b]) => a.localeCompare(b)).map(([name, uses]) => `${name} (used by ${[...uses].slice(0, 3).join(', ')}${uses.size > 3 ? `, +${uses.size - 3}` : ''})`);
  assert.deepEqual(report, [], `queried but never declared:\n  ${report.join('\n  ')}`);
});
