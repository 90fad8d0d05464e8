/**
 * The browser app in Debian's headless Chromium (playwright-core): every page renders with no console
 * error, no failed request and nothing fetched from another origin; the Runs page filters, sorts and
 * selects; the Compare page draws its Chart.js chart; promote works from the page with the API key.
 * Screenshots of every page go to test-artifacts/ui/.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { API_KEY, API_KEYS, REPORT_MARKER, startUiFixture, type UiFixture } from './ui-fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(fileURLToPath(new URL('../../../', import.meta.url)), 'test-artifacts', 'ui');
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: cli/stack/install-system-deps.sh --with-test-tools installs it`;

/**
 * The little of the DOM the page functions below use (the tests are not compiled with the DOM library).
 * waitForFunction takes functions, not strings: the page's CSP has no 'unsafe-eval'.
 */
interface MiniDocument {
  querySelector(selector: string): { getAttribute(name: string): string | null; readonly textContent: string | null } | null;
  querySelectorAll(selector: string): { readonly length: number };
}
interface MiniChart {
  getChart(canvas: unknown): { data: { labels: string[] } } | undefined;
}

function waitForFirstRun(page: Page, id: string) {
  return page.waitForFunction((want) => (globalThis as unknown as { document: MiniDocument }).document.querySelector('table.runs tbody tr')?.getAttribute('data-run') === want, id);
}

interface ChartState {
  readonly labels: string[];
  readonly datasets: [string, (number | null)[]][];
  readonly painted: number;
  readonly size: [number, number];
}

/** What Chart.js holds for the page's canvas, and how many of the canvas's pixels are painted. */
const CHART_STATE = `(() => {
  const canvas = document.querySelector('canvas');
  const c = Chart.getChart(canvas);
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return { labels: c.data.labels, datasets: c.data.datasets.map((d) => [d.label, d.data]), painted, size: [canvas.width, canvas.height] };
})()`;

interface Watched {
  readonly page: Page;
  readonly problems: string[];
  readonly foreign: string[];
}

async function watchedPage(browser: Browser, origin: string): Promise<Watched> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  const foreign: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (q) => problems.push(`request failed: ${q.url()} ${q.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('request', (q) => {
    if (!q.url().startsWith(origin) && !q.url().startsWith('data:')) foreign.push(q.url());
  });
  return { page, problems, foreign };
}

describe('ui in headless Chromium', { skip }, () => {
  let ui: UiFixture;
  let browser: Browser;
  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    ui = await startUiFixture({ apiKeys: API_KEYS });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  after(async () => {
    await browser?.close();
    await ui?.close();
  });

  const pages: [string, string, string][] = [
    ['runs', '#/runs', 'table.runs tbody tr'],
    ['run', '#/runs/aaa111', 'section.artifacts a'],
    ['compare', '#/compare?ids=aaa111,aaa222,ccc444', 'table.compare tr.differs'],
    ['models', '#/models', 'section.model table.versions tbody tr'],
    ['experiments', '#/experiments', 'main .notice'],
    ['lifecycle', '#/lifecycle', 'main .notice.kafka-down'],
    ['dashboards', '#/dashboards', 'ul.dashboards a'],
  ];
  for (const [name, hash, ready] of pages) {
    test(`the ${name} page renders without errors and loads nothing from elsewhere`, async () => {
      const w = await watchedPage(browser, ui.url);
      try {
        await w.page.goto(`${ui.url}/${hash}`, { waitUntil: 'load' });
        await w.page.locator(ready).first().waitFor({ state: 'visible', timeout: 15_000 });
        await w.page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
        assert.equal(await w.page.locator('header nav a.active').count(), 1);
        assert.deepEqual(w.problems, []);
        assert.deepEqual(w.foreign, []);
      } finally {
        await w.page.close();
      }
    });
  }

  test('Runs: the filter narrows the table, a header sorts it, two checked runs open Compare', async () => {
    const w = await watchedPage(browser, ui.url);
    const { page } = w;
    try {
      await page.goto(`${ui.url}/#/runs`);
      const ids = () => page.locator('table.runs tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run')));
      await page.locator('table.runs tbody tr').first().waitFor();
      assert.deepEqual(await ids(), ['ccc444', 'bbb333', 'aaa222', 'aaa111']);
      await page.fill('form.filter input', 'metrics.ap >= 0.55');
      await page.click('form.filter button[type=submit]');
      await page.waitForFunction(() => (globalThis as unknown as { document: MiniDocument }).document.querySelectorAll('table.runs tbody tr').length === 3);
      await page.click('button.sort[data-field="metrics.ap"]');
      await waitForFirstRun(page, 'bbb333');
      await page.click('button.sort[data-field="metrics.ap"]');
      await waitForFirstRun(page, 'aaa222');
      assert.deepEqual(await ids(), ['aaa222', 'aaa111', 'bbb333']);
      assert.ok(await page.locator('form.filter button.primary').isDisabled());
      await page.check('tr[data-run="aaa111"] input[type=checkbox]');
      await page.check('tr[data-run="bbb333"] input[type=checkbox]');
      await page.click('form.filter button.primary');
      await page.waitForURL(/#\/compare\?ids=aaa111,bbb333$/);
      await page.locator('canvas').waitFor();
      assert.deepEqual(w.problems, []);
    } finally {
      await page.close();
    }
  });

  test('Runs: a bad filter shows the filter language error', async () => {
    const w = await watchedPage(browser, ui.url);
    try {
      await w.page.goto(`${ui.url}/#/runs`);
      await w.page.fill('form.filter input', 'metrics.ap >');
      await w.page.click('form.filter button[type=submit]');
      const error = w.page.locator('.notice.error');
      await error.waitFor();
      assert.match(await error.innerText(), /^400: --filter: expected a value/);
      assert.ok(w.problems.every((p) => /400/.test(p)), w.problems.join('\n'));
    } finally {
      await w.page.close();
    }
  });

  test('Compare draws a bar chart of every metric per run; unticking a metric redraws it', async () => {
    const w = await watchedPage(browser, ui.url);
    const { page } = w;
    try {
      await page.goto(`${ui.url}/#/compare?ids=aaa111,aaa222,ccc444`);
      await page.locator('canvas').waitFor();
      const chart = () => page.evaluate<ChartState>(CHART_STATE);
      const drawn = await chart();
      assert.deepEqual(drawn.labels, ['ap', 'auc', 'ece']);
      assert.deepEqual(drawn.datasets, [['aaa111', [0.61, 0.78, null]], ['aaa222', [0.55, 0.8, null]], ['ccc444', [0.4, 0.66, 0.02]]]);
      assert.ok(drawn.size[0]! > 200 && drawn.size[1]! > 100, JSON.stringify(drawn.size));
      assert.ok(drawn.painted > 2000, `${drawn.painted} painted pixels`);
      await page.locator('fieldset.metric-picker label', { hasText: 'ece' }).locator('input').uncheck();
      await page.waitForFunction(() => {
        const g = globalThis as unknown as { document: MiniDocument; Chart: MiniChart };
        return g.Chart.getChart(g.document.querySelector('canvas'))?.data.labels.length === 2;
      });
      assert.equal(await page.locator('table.compare tr.differs[data-key="gbdt.maxLeaves"]').count(), 1);
      assert.equal(await page.locator('table.compare tr[data-key="seed"]:not(.differs)').count(), 0, 'seed differs (42 vs 7)');
      assert.deepEqual(w.problems, []);
    } finally {
      await page.close();
    }
  });

  test('Experiment: the running experiment with its arms and weights, and why live statistics are missing', async (t) => {
    await ui.registry.startExperiment('fraud', { name: 'ab-test', mode: 'split', arms: [{ arm: 'champion', version: 1 }, { arm: 'v2', version: 2 }], weights: [0.9, 0.1], maxShare: 0.2, minEvents: 100, startedAt: Date.now() });
    t.after(() => ui.registry.stopExperiment('fraud', 'ab-test', 'test over'));
    const w = await watchedPage(browser, ui.url);
    try {
      await w.page.goto(`${ui.url}/#/experiments`);
      const section = w.page.locator('section.experiment[data-experiment="ab-test"]');
      await section.waitFor();
      assert.deepEqual(await section.locator('table.arms tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-arm'))), ['champion', 'v2']);
      assert.match(await section.locator('tr[data-arm="v2"]').innerText(), /v2\s+v2\s+10\.0%/);
      assert.match(await section.locator('.notice.warn').innerText(), /drift monitor is not reachable/);
      await w.page.screenshot({ path: join(SHOTS, 'experiment-running.png'), fullPage: true });
      assert.deepEqual(w.problems, []);
    } finally {
      await w.page.close();
    }
  });

  test("Run: the artifact link opens the run's report", async () => {
    const w = await watchedPage(browser, ui.url);
    try {
      await w.page.goto(`${ui.url}/#/runs/aaa111`);
      const link = w.page.locator('section.artifacts a', { hasText: 'report.html' });
      await link.waitFor();
      const href = await link.getAttribute('href');
      const report = await browser.newPage();
      await report.goto(`${ui.url}${href}`);
      assert.match(await report.content(), /the report of run aaa111/);
      await report.close();
      assert.deepEqual(w.problems, []);
    } finally {
      await w.page.close();
    }
  });

  test('Models: the training report opens; with the API key, Promote makes v2 the champion', async () => {
    const w = await watchedPage(browser, ui.url);
    const { page } = w;
    try {
      await page.goto(`${ui.url}/#/models`);
      await page.locator('tr[data-version="1"] a', { hasText: 'training report' }).waitFor();
      const href = await page.locator('tr[data-version="1"] a', { hasText: 'training report' }).getAttribute('href');
      const report = await browser.newPage();
      await report.goto(`${ui.url}${href}`);
      assert.match(await report.content(), new RegExp(REPORT_MARKER));
      await report.close();
      assert.equal(await page.locator('tr[data-version="1"] button.promote').count(), 0, 'no promote button on the champion');
      await page.fill('header .api-key input', API_KEY);
      page.once('dialog', (d) => void d.accept());
      await page.click('tr[data-version="2"] button.promote');
      await page.locator('.notice.ok').waitFor();
      await page.waitForFunction(() => (globalThis as unknown as { document: MiniDocument }).document.querySelector('tr[data-version="2"]')?.textContent?.includes('champion') === true);
      assert.equal((await ui.registry.aliases('fraud')).champion, 2);
      await page.screenshot({ path: join(SHOTS, 'models-promoted.png'), fullPage: true });
      assert.deepEqual(w.problems, []);
    } finally {
      await page.close();
    }
  });
});
