import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { API_KEY, API_KEYS, REPORT_MARKER, RUN_REPORT_MARKER, startUiFixture, type UiFixture } from './ui-fixtures.ts';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

/** A request with the path sent as written (fetch would normalise "/../"). */
function call(base: string, path: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: o.method ?? 'GET', headers: o.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
      });
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

interface RunJson {
  id: string;
  metrics: Record<string, number>;
  artifacts: { name: string; url: string }[];
}

describe('ui server (read-only parts, Kafka unreachable)', () => {
  let ui: UiFixture;
  before(async () => (ui = await startUiFixture({ apiKeys: API_KEYS })));
  after(() => ui.close());

  test('GET /api/runs lists every run, newest first; filter and sort use the run filter language', async () => {
    const all = await call(ui.url, '/api/runs');
    assert.equal(all.status, 200);
    assert.deepEqual(all.json<{ runs: RunJson[] }>().runs.map((r) => r.id), ['ccc444', 'bbb333', 'aaa222', 'aaa111']);
    const filtered = await call(ui.url, `/api/runs?filter=${encodeURIComponent("metrics.ap > 0.6 and not kind = trial")}`);
    assert.deepEqual(filtered.json<{ runs: RunJson[] }>().runs.map((r) => r.id), ['aaa111']);
    const byAp = await call(ui.url, '/api/runs?sort=metrics.ap:asc');
    assert.deepEqual(byAp.json<{ runs: RunJson[] }>().runs.map((r) => r.metrics['ap']), [0.4, 0.55, 0.61, 0.7]);
    const limited = await call(ui.url, '/api/runs?sort=metrics.auc:desc&limit=2');
    assert.deepEqual(limited.json<{ runs: RunJson[] }>().runs.map((r) => r.id), ['aaa222', 'aaa111']);
  });

  test('a bad filter, sort or limit is a 400 with the UsageError message', async () => {
    const bad = await call(ui.url, `/api/runs?filter=${encodeURIComponent('metrics.ap >')}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json()['error'], 'USAGE');
    assert.match(String(bad.json()['message']), /--filter: expected a value .* at column 13/);
    const sort = await call(ui.url, `/api/runs?sort=${encodeURIComponent('metrics.ap;drop')}`);
    assert.equal(sort.status, 400);
    assert.match(String(sort.json()['message']), /sort must be FIELD/);
    assert.equal((await call(ui.url, '/api/runs?limit=-3')).status, 400);
  });

  test('GET /api/runs/<id> by id or unique prefix; artifacts by name and UI link, never a path', async () => {
    const one = await call(ui.url, '/api/runs/aaa1');
    assert.equal(one.status, 200);
    const run = one.json<RunJson>();
    assert.equal(run.id, 'aaa111');
    assert.deepEqual(run.artifacts, [
      { name: 'metrics.json', url: '/runs/aaa111/artifacts/metrics.json' },
      { name: 'report.html', url: '/runs/aaa111/artifacts/report.html' },
    ]);
    assert.ok(!one.text.includes(ui.dir), 'no filesystem path in the answer');
    assert.equal((await call(ui.url, '/api/runs/zzz999')).status, 404);
    assert.equal((await call(ui.url, '/api/runs/aaa')).status, 400, 'an ambiguous prefix');
  });

  test('GET /api/compare sets runs side by side and marks the keys whose values differ', async () => {
    const r = await call(ui.url, '/api/compare?ids=aaa111,ccc444');
    assert.equal(r.status, 200);
    const c = r.json<{ runs: RunJson[]; params: { key: string; values: unknown[]; differs: boolean }[]; metrics: { key: string; values: unknown[]; differs: boolean }[] }>();
    assert.deepEqual(c.runs.map((x) => x.id), ['aaa111', 'ccc444']);
    assert.deepEqual(c.metrics, [
      { key: 'ap', values: [0.61, 0.4], differs: true, best: [0] },
      { key: 'auc', values: [0.78, 0.66], differs: true, best: [0] },
      { key: 'ece', values: [null, 0.02], differs: true, best: [] },
    ]);
    assert.deepEqual(c.params.map((p) => [p.key, p.differs]), [['algorithm', false], ['gbdt.maxLeaves', true], ['seed', true]]);
    assert.equal((await call(ui.url, '/api/compare?ids=aaa111')).status, 400);
    assert.equal((await call(ui.url, '/api/compare?ids=aaa111,nope99')).status, 404);
  });

  test("a run's artifact is served by its recorded name; reports get a script-free CSP", async () => {
    const report = await call(ui.url, '/runs/aaa111/artifacts/report.html');
    assert.equal(report.status, 200);
    assert.match(String(report.headers['content-type']), /^text\/html/);
    assert.ok(report.text.includes(RUN_REPORT_MARKER));
    assert.match(String(report.headers['content-security-policy']), /default-src 'none'.*sandbox/);
    const metrics = await call(ui.url, '/runs/aaa111/artifacts/metrics.json');
    assert.deepEqual(metrics.json(), { ap: 0.61 });
    assert.equal((await call(ui.url, '/runs/aaa111/artifacts/model.onnx')).status, 404, 'a name the run did not record');
    const gone = await call(ui.url, '/runs/ccc444/artifacts/gone.html');
    assert.equal(gone.status, 404);
    assert.match(gone.text, /recorded but its file is gone/);
  });

  test('no route reads a file that is not a recorded artifact, a registry report or a listed static file', async () => {
    const secret = encodeURIComponent(ui.secretFile);
    const attempts = [
      `/runs/aaa111/artifacts/..%2F..%2Fsecret.txt`,
      `/runs/aaa111/artifacts/${secret}`,
      '/runs/aaa111/artifacts/../../secret.txt',
      '/runs/..%2F..%2Fsecret.txt/artifacts/report.html',
      '/runs/aaa111/artifacts/report.html/../../../secret.txt',
      '/static/../ui-server.ts',
      '/static/..%2Fui-server.ts',
      '/static/%2E%2E/ui-config.ts',
      '/vendor/..%2F..%2Fpackage.json',
      '/vendor/../../../package.json',
      `/models/fraud/1/..%2F..%2F..%2Fsecret.txt`,
      '/models/..%2Fsecret.txt/1/report.html',
      '/models/fraud/1/manifest.json',
      '/models/fraud/..%2F1/report.html',
    ];
    for (const path of attempts) {
      const r = await call(ui.url, path);
      assert.ok([400, 404].includes(r.status), `${path} answered ${r.status}`);
      assert.ok(!r.text.includes('not for the browser') && !r.text.includes('"name": "@riskstream'), `${path} leaked a file`);
    }
  });

  test('GET /api/models: versions with headline metrics, aliases, history and report links', async () => {
    const r = await call(ui.url, '/api/models');
    assert.equal(r.status, 200);
    const [model] = r.json<{ models: { name: string; champion: number; challenger: number; versions: { version: number; aliases: string[]; metrics: Record<string, number>; reportUrl: string | null }[]; history: { action: string }[] }[] }>().models;
    assert.equal(model!.name, 'fraud');
    assert.equal(model!.champion, 1);
    assert.equal(model!.challenger, 2);
    assert.deepEqual(model!.versions.map((v) => [v.version, v.aliases, v.metrics['roc_auc'], v.reportUrl]), [
      [1, ['champion'], 0.81, '/models/fraud/1/report.html'],
      [2, ['challenger'], 0.84, null],
      [3, [], 0.83, null],
    ]);
    assert.ok(!('holdout' in model!.versions[0]!.metrics), 'only top-level numbers are headline metrics');
    assert.deepEqual(model!.history.map((h) => h.action), ['promote', 'set']);
    assert.equal((await call(ui.url, '/api/models/fraud')).json()['name'], 'fraud');
    assert.equal((await call(ui.url, '/api/models/nope')).status, 404);
  });

  test("a version's training report is served; a missing one is a readable 404 page", async () => {
    const r = await call(ui.url, '/models/fraud/1/report.html');
    assert.equal(r.status, 200);
    assert.ok(r.text.includes(REPORT_MARKER));
    for (const path of ['/models/fraud/2/report.html', '/models/fraud/9/report.html', '/models/nope/1/report.html']) {
      const missing = await call(ui.url, path);
      assert.equal(missing.status, 404, path);
      assert.match(String(missing.headers['content-type']), /^text\/html/);
      assert.match(missing.text, /<h1>Error 404<\/h1>/);
    }
    assert.equal((await call(ui.url, '/models/fraud/x/report.html')).status, 400);
  });

  test('the drift report form answers bad or empty windows with a readable page, not a stack', async () => {
    const empty = await call(ui.url, '/models/fraud/1/drift-report?from=2026-01-01&to=2026-01-02');
    assert.equal(empty.status, 404);
    assert.match(String(empty.headers['content-type']), /^text\/html/);
    assert.match(empty.text, /no transactions with event time in \[2026-01-01T00:00:00.000Z, 2026-01-02T00:00:00.000Z\)/);
    assert.ok(!/\n\s+at /.test(empty.text), 'no stack trace');
    const noWindow = await call(ui.url, '/models/fraud/1/drift-report');
    assert.equal(noWindow.status, 400);
    assert.match(noWindow.text, /needs a window/);
    const backwards = await call(ui.url, '/models/fraud/1/drift-report?from=2026-01-02&to=2026-01-01');
    assert.equal(backwards.status, 400);
    const badDate = await call(ui.url, '/models/fraud/1/drift-report?from=2026-02-30&to=2026-03-01');
    assert.equal(badDate.status, 400);
    assert.match(badDate.text, /use YYYY-MM-DD/);
  });

  test('the lifecycle feed says that Kafka is unreachable instead of failing', async () => {
    let feed: Record<string, unknown> = {};
    for (let i = 0; i < 60 && feed['status'] !== 'unavailable'; i++) {
      feed = (await call(ui.url, '/api/lifecycle')).json();
      if (feed['status'] !== 'unavailable') await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(feed['status'], 'unavailable');
    assert.equal(typeof feed['error'], 'string');
    assert.deepEqual(feed['events'], []);
  });

  test('experiments, dashboards, config and health', async () => {
    assert.deepEqual((await call(ui.url, '/api/experiments')).json(), { experiments: [] });
    const dashboards = (await call(ui.url, '/api/dashboards')).json<{ dashboards: { uid: string; url: string }[] }>().dashboards;
    assert.ok(dashboards.length >= 3);
    for (const d of dashboards) assert.equal(d.url, `http://grafana.test:3000/d/${d.uid}`);
    assert.deepEqual(dashboards.map((d) => d.uid).sort(), dashboards.map((d) => d.uid).sort().filter((u) => u.startsWith('riskstream-')));
    assert.equal((await call(ui.url, '/api/config')).json()['writable'], true);
    assert.equal((await call(ui.url, '/healthz')).status, 200);
  });

  test("index.html's CSP allows this origin's scripts and the inline import map by its hash, nothing else", async () => {
    const r = await call(ui.url, '/');
    assert.equal(r.status, 200);
    const csp = String(r.headers['content-security-policy']);
    const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(r.text)![1]!;
    const hash = createHash('sha256').update(map).digest('base64');
    assert.match(csp, new RegExp(`script-src 'self' 'sha256-${hash.replace(/[+/]/g, '\\$&')}'(;|$)`));
    assert.match(csp, /default-src 'none'/);
    for (const path of Object.values(JSON.parse(map).imports as Record<string, string>)) assert.equal((await call(ui.url, path)).status, 200, path);
    assert.equal((await call(ui.url, '/vendor/chart.umd.min.js')).status, 200);
  });
});

describe('ui server: promote and rollback', () => {
  let ui: UiFixture;
  before(async () => (ui = await startUiFixture({ apiKeys: API_KEYS })));
  after(() => ui.close());
  const post = (path: string, body: unknown, key?: string) =>
    call(ui.url, path, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify(body) });

  test('without a key, or with a wrong one, promote and rollback answer 401 and change nothing', async () => {
    for (const key of [undefined, 'wrong-secret-0000000000', API_KEYS]) {
      const r = await post('/api/models/fraud/promote', { version: 2 }, key);
      assert.equal(r.status, 401, String(key));
      assert.equal(r.json()['error'], 'UNAUTHORIZED');
      assert.equal((await post('/api/models/fraud/rollback', {}, key)).status, 401);
    }
    assert.equal((await ui.registry.aliases('fraud')).champion, 1);
  });

  test('bad input is a 400, an unknown model or version a 404, each with a JSON error', async () => {
    const badVersion = await post('/api/models/fraud/promote', { version: 'two' }, API_KEY);
    assert.equal(badVersion.status, 400);
    assert.match(String(badVersion.json()['message']), /version must be a positive integer/);
    const notJson = await call(ui.url, '/api/models/fraud/promote', { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: '{' });
    assert.equal(notJson.status, 400);
    assert.equal((await post('/api/models/nope/promote', { version: 1 }, API_KEY)).status, 404);
    assert.equal((await post('/api/models/fraud/promote', { version: 9 }, API_KEY)).status, 404);
    assert.equal((await post('/api/models/fraud/frobnicate', {}, API_KEY)).status, 404);
  });

  test('with a key, promote makes the version champion (as models promote does) and rollback returns', async () => {
    const promoted = await post('/api/models/fraud/promote', { version: 2 }, API_KEY);
    assert.equal(promoted.status, 200, promoted.text);
    assert.equal(promoted.json()['champion'], 2);
    assert.equal(promoted.json()['announced'], false, 'RISKSTREAM_NO_PUBLISH=1');
    const aliases = await ui.registry.aliases('fraud');
    assert.equal(aliases.champion, 2);
    const entry = aliases.history.findLast((h) => h.alias === 'champion');
    assert.deepEqual([entry!.action, entry!.version, entry!.reason], ['promote', 2, 'manual promotion (riskstream models promote)']);
    const stale = await post('/api/models/fraud/promote', { version: 3 }, API_KEY);
    assert.equal(stale.status, 409, 'v3 was gated against v1, not the champion v2: refused as the CLI refuses it');
    assert.match(String(stale.json()['message']), /refused: v3's gate was evaluated against v1, but the champion is now v2/);
    const ungated = await post('/api/models/fraud/promote', { version: 1 }, API_KEY);
    assert.equal(ungated.status, 400);
    assert.match(String(ungated.json()['message']), /has no recorded promotion gate/);
    assert.equal((await ui.registry.aliases('fraud')).champion, 2);
    const rolled = await post('/api/models/fraud/rollback', {}, API_KEY);
    assert.equal(rolled.status, 200, rolled.text);
    assert.equal(rolled.json()['champion'], 1);
    assert.equal((await ui.registry.aliases('fraud')).champion, 1);
  });
});

describe('ui server without UI_API_KEYS', () => {
  let ui: UiFixture;
  before(async () => (ui = await startUiFixture()));
  after(() => ui.close());

  test('is read-only: promote and rollback answer 403 whatever the request carries', async () => {
    assert.equal((await call(ui.url, '/api/config')).json()['writable'], false);
    const r = await call(ui.url, '/api/models/fraud/promote', { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` }, body: '{"version":2}' });
    assert.equal(r.status, 403);
    assert.equal(r.json()['error'], 'READ_ONLY');
    assert.equal((await ui.registry.aliases('fraud')).champion, 1);
  });
});
