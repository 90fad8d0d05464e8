import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allQueries, MAY_BE_EMPTY, type MonitoringQuery } from './dashboard-queries.ts';

/**
 * Sends every dashboard panel and variable query, every Grafana alert query and every Prometheus rule
 * expression to a live Prometheus: every one must parse and evaluate. Whether they return series needs a
 * running, scraped pipeline: the closed-loop test checks that with the same query list (allQueries).
 * PROMETHEUS_URL overrides the default.
 */

const PROMETHEUS_URL = (process.env['PROMETHEUS_URL'] ?? 'http://localhost:9090').replace(/\/$/, '');

interface QueryResponse {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: unknown[] };
}

async function instantQuery(expr: string): Promise<QueryResponse> {
  const res = await fetch(`${PROMETHEUS_URL}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: expr }),
    signal: AbortSignal.timeout(10_000),
  });
  return (await res.json()) as QueryResponse;
}

const queries = allQueries();
const answers = new Map<MonitoringQuery, Promise<QueryResponse>>();

function answer(q: MonitoringQuery): Promise<QueryResponse> {
  let a = answers.get(q);
  if (a === undefined) {
    a = instantQuery(q.expr);
    answers.set(q, a);
  }
  return a;
}

function describe(q: MonitoringQuery): string {
  return `${q.kind} "${q.title}" (${q.file}): ${q.expr}`;
}

test('integration: Prometheus answers at PROMETHEUS_URL', async () => {
  const res = await fetch(`${PROMETHEUS_URL}/api/v1/status/buildinfo`, { signal: AbortSignal.timeout(5000) }).catch((err: Error) => {
    throw new Error(`no Prometheus at ${PROMETHEUS_URL} (${err.message}); start the stack (riskstream stack up) or set PROMETHEUS_URL`);
  });
  assert.equal(res.status, 200);
});

test('integration: a broken query is reported as an error (the check below can fail)', async () => {
  const r = await instantQuery('sum(rate(riskstream_messages_consumed_total[5m])');
  assert.equal(r.status, 'error');
  assert.equal(r.errorType, 'bad_data');
});

test('integration: every dashboard, Grafana alert and Prometheus rule query parses and evaluates', async () => {
  assert.ok(queries.length > 50, `found ${queries.length} queries`);
  const failures: string[] = [];
  for (const q of queries) {
    const r = await answer(q);
    if (r.status !== 'success') failures.push(`${describe(q)}\n    -> ${r.errorType}: ${r.error}`);
  }
  assert.deepEqual(failures, [], failures.join('\n'));
});

// That every panel, variable, Grafana alert query and recording rule RETURNS SERIES is checked by
// test/services/closed-loop.integration.test.ts, while its pipeline runs and Prometheus scrapes it.
