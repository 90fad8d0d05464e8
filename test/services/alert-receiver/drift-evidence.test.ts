import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '@riskstream/shared';
import { driftEvidenceSource, parseDriftReport } from '../../../services/alert-receiver/src/drift-evidence.ts';
import { fixture, fixtureText } from './alert-fakes.ts';

async function server(t: TestContext, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const s = createServer(handler);
  const port = await listen(s, 0);
  t.after(() => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); }));
  return `http://127.0.0.1:${port}`;
}

const source = (baseUrl: string, o: { timeoutMs?: number; maxBytes?: number } = {}) =>
  driftEvidenceSource({ baseUrl, timeoutMs: o.timeoutMs ?? 2000, maxBytes: o.maxBytes ?? 256 * 1024, now: () => 42 });

test('200 with the contract shape -> the report', async (t) => {
  let path = '';
  const url = await server(t, (req, res) => {
    path = req.url!;
    res.writeHead(200, { 'content-type': 'application/json' }).end(fixtureText('drift-report.json'));
  });
  const r = await source(url)();
  assert.equal(path, '/v1/drift');
  assert.ok(r.ok);
  assert.equal(r.fetchedAt, 42);
  assert.equal(r.report.model_version, 3);
  assert.deepEqual(r.report.windows.count?.drifted_features, ['TX_AMOUNT', 'CUSTOMER_ID_NB_TX_1DAY_WINDOW']);
  assert.equal((r.report['performance'] as { estimated: { roc_auc: number } }).estimated.roc_auc, 0.861, 'unread fields are kept');
});

test('every failure is a reason, never a throw: status, timeout, size, JSON, shape, refused connection', async (t) => {
  const url = await server(t, (req, res) => {
    if (req.url === '/slow/v1/drift') return; // never answers
    if (req.url === '/500/v1/drift') return void res.writeHead(500).end('boom');
    if (req.url === '/big/v1/drift') return void res.writeHead(200).end(JSON.stringify({ windows: {}, pad: 'x'.repeat(5000) }));
    if (req.url === '/chunked/v1/drift') {
      res.writeHead(200);
      res.write(`{"windows":{},"pad":"${'x'.repeat(3000)}`);
      res.end(`${'x'.repeat(3000)}"}`);
      return;
    }
    if (req.url === '/text/v1/drift') return void res.writeHead(200).end('<html>');
    if (req.url === '/shape/v1/drift') return void res.writeHead(200).end('{"model_version":3}');
    res.writeHead(404).end();
  });
  const reason = async (path: string, o: { timeoutMs?: number; maxBytes?: number } = {}) => {
    const r = await source(url + path, o)();
    assert.equal(r.ok, false, path);
    return r.ok ? '' : r.error;
  };
  assert.equal(await reason('/500'), 'GET /v1/drift answered 500');
  assert.equal(await reason('/slow', { timeoutMs: 50 }), 'GET /v1/drift failed: no answer within 50 ms');
  assert.equal(await reason('/big', { maxBytes: 4096 }), 'GET /v1/drift answer exceeds 4096 bytes');
  assert.equal(await reason('/chunked', { maxBytes: 4096 }), 'GET /v1/drift answer exceeds 4096 bytes');
  assert.equal(await reason('/text'), 'GET /v1/drift answer is not JSON');
  assert.equal(await reason('/shape'), 'GET /v1/drift answer: windows is missing');
  // A port that was free a moment ago: nothing listens there.
  const closed = createServer();
  const port = await listen(closed, 0);
  await new Promise<void>((r) => closed.close(() => r()));
  const refused = await source(`http://127.0.0.1:${port}`)();
  assert.equal(refused.ok, false);
  assert.match(refused.ok ? '' : refused.error, /^GET \/v1\/drift failed: .*ECONNREFUSED/);
});

test('parseDriftReport is lenient beyond what the receiver reads', () => {
  const r = parseDriftReport({ model_name: '', model_version: 2.5, windows: { count: { drifted_features: ['a', 3], event_time_start: 'x' }, time: null } });
  assert.ok(typeof r !== 'string');
  assert.equal(r.model_name, null);
  assert.equal(r.model_version, null);
  assert.deepEqual(r.windows.count?.drifted_features, ['a']);
  assert.equal(r.windows.count?.event_time_start, null);
  assert.equal(r.windows.time, undefined);
  assert.equal(parseDriftReport({ windows: { count: 'x' } }), 'windows.count is not an object');
  assert.equal(typeof parseDriftReport(fixture('drift-report.json')), 'object');
});
