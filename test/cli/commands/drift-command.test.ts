/**
 * `riskstream drift report` end to end on a real offline store (simulator CSV -> `riskstream offline
 * import` -> Parquet) and a registered model with a reference profile built by training's code; the
 * page is then opened in Debian's headless Chromium (playwright-core), which must show every monitored
 * feature with rendered charts and raise no error or request.
 */
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { selectFeatures } from '../../../services/drift-monitor/src/feature-selection.ts';
import { DAYS, DRIFT_DAY, TRAIN_DAYS, dayIso, driftStore, type DriftStore } from '../drift-report/drift-report-fixtures.ts';
import { runCli, tempDir } from './cli-io.ts';
import { startUiFixture } from '../ui/ui-fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';

test('drift --help exits 0 with the usage; drift is listed in the command overview', async () => {
  const r = await runCli(['drift', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: riskstream drift report --from TIME --to TIME --out FILE\.html/);
  assert.match(r.stdout, /--model REF/);
  assert.match((await runCli(['--help'])).stdout, /\n {2}drift +drift report: /);
});

test('drift: bad arguments are usage errors (exit 2) with the usage', async (t) => {
  const dir = await tempDir(t, 'drift-usage');
  const out = join(dir, 'r.html');
  const cases: [string[], RegExp][] = [
    [[], /needs a subcommand: report/],
    [['show'], /unknown drift command "show"/],
    [['report', '--to', '2026-01-02', '--out', out], /needs --from TIME/],
    [['report', '--from', '2026-01-01', '--out', out], /needs --to TIME/],
    [['report', '--from', '2026-01-01', '--to', '2026-01-02'], /needs --out FILE/],
    [['report', '--from', 'yesterday', '--to', '2026-01-02', '--out', out], /--from "yesterday": use YYYY-MM-DD or an ISO time with a zone/],
    [['report', '--from', '2026-01-01T10:00', '--to', '2026-01-02', '--out', out], /--from "2026-01-01T10:00": use YYYY-MM-DD/],
    [['report', '--from', '2026-02-30', '--to', '2026-03-02', '--out', out], /--from "2026-02-30"/],
    [['report', '--from', '2026-01-02', '--to', '2026-01-02', '--out', out], /--to \(2026-01-02\) must be after --from \(2026-01-02\)/],
    [['report', '--from', '2026-01-01', '--to', '2026-01-02', '--out', out, '--model', 'fraud@latest'], /use NAME, NAME@VERSION/],
    [['report', 'extra', '--from', '2026-01-01', '--to', '2026-01-02', '--out', out], /unexpected argument "extra"/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['drift', ...args], { MODEL_REGISTRY_DIR: dir, OFFLINE_STORE_DIR: dir });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /Usage: riskstream drift report/);
  }
  assert.equal(existsSync(out), false);
});

describe('drift report on an imported offline store', () => {
  let store: DriftStore;
  let monitored: string[];
  // after() called inside before() would run when the hook ends: collect the cleanups for the suite's end.
  const cleanups: (() => Promise<void>)[] = [];
  const ctx = { after: (fn: () => Promise<void>) => void cleanups.push(fn) };
  after(async () => {
    for (const fn of cleanups) await fn();
  });

  before(async () => {
    store = await driftStore(ctx);
    monitored = selectFeatures(store.manifest.referenceProfile, 'auto').monitored;
  });

  async function report(from: number, to: number, extra: string[] = [], env: Record<string, string> = {}) {
    const out = join(store.dir, `report-${from}-${to}-${extra.join('')}.html`.replaceAll('/', '_'));
    const r = await runCli(['drift', 'report', '--from', dayIso(from), '--to', dayIso(to), '--out', out, ...extra], { ...store.env, ...env });
    return { ...r, out, html: r.code === 0 ? await readFile(out, 'utf8') : '' };
  }

  test('a window of shifted amounts: TX_AMOUNT drifts and the dataset verdict is raised; before the shift TX_AMOUNT is stable', async () => {
    const shifted = await report(DRIFT_DAY, DAYS);
    assert.equal(shifted.code, 0, shifted.stderr);
    assert.match(shifted.stdout, /^DATASET DRIFT: \d+ of \d+ tested features drifted \(.*TX_AMOUNT.*\); score (drifted|stable); fraud v1, \d+ transactions -> /);
    assert.match(shifted.html, /<span class="badge drift">DATASET DRIFT<\/span>/);
    assert.match(shifted.html, /<tr class="drifted"><td class="l">TX_AMOUNT<\/td>/);

    const before = await report(TRAIN_DAYS[1], DRIFT_DAY);
    assert.equal(before.code, 0, before.stderr);
    assert.match(before.html, /<tr><td class="l">TX_AMOUNT<\/td>/, 'TX_AMOUNT is not drifted before the shift');
    assert.doesNotMatch(before.stdout, /\bTX_AMOUNT\b/);
  });

  test('the web UI serves the same report for a version and a window (riskstream ui, /models/NAME/VERSION/drift-report)', async () => {
    const ui = await startUiFixture({ driftReports: { registryDir: store.registry, offlineStoreDir: store.root } });
    try {
      const res = await fetch(`${ui.url}/models/fraud/1/drift-report?from=${dayIso(DRIFT_DAY)}&to=${dayIso(DAYS)}`);
      const html = await res.text();
      assert.equal(res.status, 200, html.slice(0, 500));
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(html, /<span class="badge drift">DATASET DRIFT<\/span>/);
      assert.match(html, /<tr class="drifted"><td class="l">TX_AMOUNT<\/td>/);
      for (const name of monitored) assert.match(html, new RegExp(`<div class="feature" data-feature="${name}">`), `${name} has a distribution`);
    } finally {
      await ui.close();
    }
  });

  test('the page: every monitored feature, the excluded ones with their reason, scores computed here, labels joined, self-contained', async () => {
    const r = await report(DRIFT_DAY, DAYS, ['--quiet'], { DRIFT_MIN_PERFORMANCE_EVENTS: '200' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', '--quiet prints no progress');
    for (const name of monitored) {
      assert.match(r.html, new RegExp(`<div class="feature" data-feature="${name}"><h3>${name}: `), `${name} has a distribution`);
      assert.match(r.html, new RegExp(`<td class="l">${name}</td><td class="l">numeric</td>`), `${name} has a statistics row`);
    }
    assert.match(r.html, /<td class="l">TX_DURING_WEEKEND<\/td><td class="l">calendar flag: /);
    assert.match(r.html, /scored here with this model/);
    assert.match(r.html, /<th class="l">Labelled<\/th><td class="l">[\d,]+ scored transactions have a known label/);
    assert.match(r.html, /<section class="performance">.*<svg /s);
    assert.doesNotMatch(r.html, /No bucket reached/);
    assert.doesNotMatch(r.html, /https?:|<script|\s(src|href)=["']/i, 'nothing to fetch, nothing to run');
    assert.match(r.html, /Content-Security-Policy" content="default-src 'none'/);
    // Atomic write: no temporary left beside the page.
    assert.deepEqual((await readdir(store.dir)).filter((n) => n.endsWith('.tmp')), []);
  });

  test('progress goes to stderr; the offline store defaults to OFFLINE_STORE_DIR and --root overrides it', async () => {
    const r = await report(DRIFT_DAY, DAYS, [], { OFFLINE_STORE_DIR: join(store.dir, 'nowhere') });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\[NOT_FOUND\] offline rows: no transactions with event time in \[.*\) under .*nowhere/);
    const withRoot = await report(DRIFT_DAY, DAYS, ['--root', store.root], { OFFLINE_STORE_DIR: join(store.dir, 'nowhere') });
    assert.equal(withRoot.code, 0, withRoot.stderr);
    assert.match(withRoot.stderr, /^read: 100% /m);
  });

  test('typed errors: an empty window, an unknown model or version (exit 1)', async () => {
    const empty = await report(DAYS + 10, DAYS + 12);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /^riskstream drift: \[NOT_FOUND\] offline rows: no transactions with event time in \[2026-.*T00:00:00.000Z, .*\) under .*riskstream offline ls/m);
    const unknown = await report(DRIFT_DAY, DAYS, ['--model', 'other']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /\[NOT_FOUND\] model: other has no champion in /);
    const version = await report(DRIFT_DAY, DAYS, ['--model', 'fraud@7']);
    assert.equal(version.code, 1);
    assert.match(version.stderr, /\[NOT_FOUND\] model: fraud has no version 7 in /);
  });

  test('headless Chromium renders the page without errors or requests, every monitored feature visible with its chart', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: cli/stack/install-system-deps.sh --with-test-tools installs it` }, async () => {
    const r = await report(DRIFT_DAY, DAYS, ['--quiet'], { DRIFT_MIN_PERFORMANCE_EVENTS: '200' });
    assert.equal(r.code, 0, r.stderr);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('requestfailed', (q) => problems.push(`request failed: ${q.url()} ${q.failure()?.errorText ?? ''}`));
      page.on('request', (q) => requests.push(q.url()));
      const url = pathToFileURL(r.out).href;
      const response = await page.goto(url, { waitUntil: 'load' });
      assert.ok(response === null || response.ok(), `loading ${url}`);
      assert.equal(await page.title(), 'Drift report: fraud v1');
      assert.ok(await page.locator('.verdict .badge').isVisible());

      for (const name of [...monitored, 'score']) {
        const section = page.locator(`.feature[data-feature="${name}"]`);
        assert.equal(await section.count(), 1, name);
        assert.ok(await section.isVisible(), `${name} is visible`);
        const box = await section.locator('svg').boundingBox();
        assert.ok(box && box.width > 100 && box.height > 100, `${name}'s chart renders: ${JSON.stringify(box)}`);
        assert.ok(await section.locator('svg rect[fill-opacity]').count() >= 2, `${name}'s chart has columns`);
      }
      const statistics = await page.locator('.statistics table').innerText();
      for (const name of monitored) assert.ok(statistics.includes(name), `${name} in the statistics table`);

      const sizes = await page.locator('svg').evaluateAll((svgs) => svgs.map((s) => s.getBoundingClientRect()).map((b) => [b.width, b.height]));
      assert.ok(sizes.length >= monitored.length + 1 + 4, `${sizes.length} charts`);
      assert.ok(sizes.every(([w, h]) => w! > 0 && h! > 0), JSON.stringify(sizes));
      const performanceLines = await page.locator('.performance svg path').count();
      assert.ok(performanceLines >= 4, `${performanceLines} performance lines`);

      assert.deepEqual(problems, []);
      assert.deepEqual(requests, [url], 'the page loads nothing but itself');
    } finally {
      await browser.close();
    }
  });
});
