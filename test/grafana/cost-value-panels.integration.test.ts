/**
 * The compute-cost and business-value panels and recording rules against a real Prometheus with real
 * series: a private Prometheus loads the generated rule file (the shared stack's has not loaded a rule
 * that is new) and scrapes two in-process targets under job="riskstream": a "scoring" registry with
 * prom-client's default process metrics (this process's own CPU and memory) and a scored-transactions
 * counter, and a "drift-monitor" registry whose value counters are fed by the drift monitor's own
 * ValueLedger. Every one of these panels' queries must return series, with the values the rules define.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { Counter, type Registry } from 'prom-client';
import { createMetricsRegistry, DEFAULT_VALUE_MODEL, type ScoredTransaction, type TransactionLabel } from '@riskstream/shared';
import { COST_RECORDS } from '../../monitoring/compute-cost.ts';
import { valueRecords } from '../../monitoring/business-value.ts';
import { DEFAULT_COST_SETTINGS } from '../../monitoring/cost-settings.ts';
import { ValueLedger } from '../../services/drift-monitor/src/value-ledger.ts';
import { valueMetrics } from '../../services/drift-monitor/src/value-metrics.ts';
import { waitFor } from '../support/child-service.ts';
import { startPrivatePrometheus } from '../support/private-prometheus.ts';
import { dashboardQueries, PROMETHEUS_RULES } from './dashboard-queries.ts';

async function serve(registry: Registry): Promise<{ server: Server; target: string }> {
  const server = createServer((_req, res) => {
    void registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, target: `127.0.0.1:${(server.address() as { port: number }).port}` };
}

type Row = Pick<ScoredTransaction, 'decision' | 'amount' | 'score' | 'model_version'> & { experiment?: string; experiment_arm?: string; fraud: boolean };

/** Every tick feeds the same decisions, so value per 1,000 decisions is a known constant per version and arm. */
const ROWS: readonly Row[] = [
  { model_version: 3, decision: 'DECLINE', amount: 100, score: 0.9, fraud: true },
  { model_version: 3, decision: 'DECLINE', amount: 50, score: 0.9, fraud: false },
  { model_version: 3, decision: 'APPROVE', amount: 30, score: 0.01, fraud: false },
  { model_version: 3, decision: 'REVIEW', amount: 80, score: 0.4, fraud: true },
  { model_version: 4, experiment: 'exp1', experiment_arm: 'b', decision: 'APPROVE', amount: 100, score: 0.2, fraud: true },
  { model_version: 4, experiment: 'exp1', experiment_arm: 'b', decision: 'DECLINE', amount: 40, score: 0.95, fraud: false },
];

function per1k(version: number, value: (r: Row) => number): number {
  const rows = ROWS.filter((r) => r.model_version === version);
  return (1000 * rows.reduce((s, r) => s + value(r), 0)) / rows.length;
}

function feeder(ledger: ValueLedger, scored: Counter<'decision'>): () => void {
  let n = 0;
  return () => {
    const records = ROWS.map((r) => ({
      transaction_id: `tx-${n++}`, event_time: 0, card_token: 't', terminal_id: null, amount: r.amount, score: r.score, decision: r.decision,
      model_name: 'fraud', model_version: r.model_version, reasons: [], latency_ms: 1, challenger_score: null, challenger_version: null,
      ...(r.experiment ? { experiment: r.experiment, experiment_arm: r.experiment_arm } : {}),
    })) as ScoredTransaction[];
    ledger.addScored(records);
    ledger.addLabels(records.map((s, i): TransactionLabel => ({ transaction_id: s.transaction_id, terminal_id: null, event_time: 0, is_fraud: ROWS[i]!.fraud, labelled_at: 0 })));
    scored.inc({ decision: 'APPROVE' }, 100);
  };
}

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('integration: cost and value panels and rules return their series with the values the rules define (private Prometheus)', async (t) => {
  const scoring = createMetricsRegistry('scoring');
  const scored = new Counter({ name: 'scoring_events_total', help: 'test', labelNames: ['decision'], registers: [scoring] });
  const monitor = createMetricsRegistry('drift-monitor', { defaultMetrics: false });
  const ledger = new ValueLedger({ model: DEFAULT_VALUE_MODEL, modelName: 'fraud', joinCapacity: 4096, metrics: valueMetrics(monitor) });
  const a = await serve(scoring);
  const b = await serve(monitor);
  const tick = setInterval(feeder(ledger, scored), 100);
  t.after(() => {
    clearInterval(tick);
    a.server.close();
    b.server.close();
  });
  const prom = await startPrivatePrometheus({ ruleFiles: [PROMETHEUS_RULES], targets: [a.target, b.target] });
  t.after(() => prom.stop());

  const realised = valueRecords('realised');
  await waitFor('cost and realised value recorded', async () =>
    (await prom.query(COST_RECORDS.totalCostPer1k)).length > 0 && (await prom.query(realised.per1k)).length === 2, 60_000, 500);

  // The panels: every query of the cost and value panels returns series.
  const names = [...Object.values(COST_RECORDS), ...(['estimated', 'realised'] as const).flatMap((k) => Object.values(valueRecords(k)))];
  const panels = dashboardQueries().filter((q) => q.kind === 'dashboard-panel' && names.some((n) => q.raw.includes(n)));
  assert.ok(panels.length >= 10, `found ${panels.length} cost and value panel queries`);
  const empty: string[] = [];
  for (const q of panels) if ((await prom.query(q.expr)).length === 0) empty.push(`${q.title}: ${q.expr}`);
  assert.deepEqual(empty, [], `panels without series:\n${empty.join('\n')}\n${prom.log().slice(-2000)}`);

  // The cost rules, read at one evaluation of their group: the timestamp of its last rule's latest
  // sample, so every rule before it was written at that moment too (a loaded machine can be in the
  // middle of the next evaluation "a second back"). Each stage's CPU per 1,000 scored, price, memory.
  let at = 0;
  // The value rules are another group: wait until, at that moment too, both kinds have both series.
  await waitFor('a steady scored rate and value series at one evaluation', async () => {
    const last = await prom.query(`timestamp(${COST_RECORDS.totalCostPer1k})`);
    at = Number(last[0]?.value[1] ?? 0);
    if (!(at > 0) || !(Number((await prom.query(COST_RECORDS.scored, at))[0]?.value[1] ?? 0) > 0)) return false;
    for (const kind of ['estimated', 'realised'] as const) if ((await prom.query(valueRecords(kind).per1k, at)).length !== 2) return false;
    return true;
  }, 30_000, 500);
  const one = async (expr: string): Promise<number> => {
    const r = await prom.query(expr, at);
    assert.equal(r.length, 1, `${expr}: ${JSON.stringify(r)}`);
    return Number(r[0]!.value[1]);
  };
  // Below the fed 1,000 / s while the series are younger than the rate window (rate divides by the window).
  const rate = await one(COST_RECORDS.scored);
  assert.ok(rate > 0, `scored / s, got ${rate}`);
  const cpu = await one(`${COST_RECORDS.cpu}{service="scoring"}`);
  assert.ok(cpu > 0, 'this process used some CPU');
  const cpuPer1k = await one(`${COST_RECORDS.cpuPer1k}{service="scoring"}`);
  close(cpuPer1k, (1000 * cpu) / rate, 'CPU seconds per 1,000 scored');
  const cost = await prom.query(`${COST_RECORDS.costPer1k}{service="scoring"}`, at);
  assert.equal(cost[0]!.metric['currency'], DEFAULT_COST_SETTINGS.costCurrency);
  close(Number(cost[0]!.value[1]), (cpuPer1k / 3600) * DEFAULT_COST_SETTINGS.costPerCoreHour, 'cost per 1,000 scores');
  const memory = await one(`${COST_RECORDS.memory}{service="scoring"}`);
  assert.ok(memory > 10 * 2 ** 20, `resident memory of this process, got ${memory}`);
  close(await one(`${COST_RECORDS.memoryPer1k}{service="scoring"}`), (1000 * memory) / 2 ** 30 / rate, 'GiB-seconds per 1,000 scored');

  // The value rules: per version and arm, the per-decision mean of what the value model gives.
  for (const kind of ['estimated', 'realised'] as const) {
    const value = (r: Row): number => (kind === 'realised' ? DEFAULT_VALUE_MODEL.realised(r.decision, r.amount, r.fraud) : DEFAULT_VALUE_MODEL.expected(r.decision, r.amount, r.score));
    const series = await prom.query(valueRecords(kind).per1k, at);
    const byArm = Object.fromEntries(series.map((s) => [`${s.metric['model_version']}/${s.metric['experiment'] ?? ''}/${s.metric['arm'] ?? ''}/${s.metric['currency']}`, Number(s.value[1])]));
    assert.deepEqual(Object.keys(byArm).sort(), ['3///EUR', '4/exp1/b/EUR']);
    close(byArm['3///EUR']!, per1k(3, value), `${kind} value per 1,000 decisions of v3`);
    close(byArm['4/exp1/b/EUR']!, per1k(4, value), `${kind} value per 1,000 decisions of v4 on arm b`);
  }
});
