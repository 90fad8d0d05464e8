/**
 * `riskstream ui`'s HTTP server, built from injected parts (no port, no environment): the route table of
 * the JSON API (/api/...), the report and artifact files, the browser app, and /healthz, /readyz and
 * /metrics from the shared server. Files are reached only through what a run or the registry recorded.
 */
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { NotFoundError, createHttpServer, sendJson, type BearerKeys, type HttpServerOptions, type Logger, type RouteHandler } from '@riskstream/shared';
import type { ModelRegistry, RunStore } from '@riskstream/training';
import { dashboardLinks } from './grafana-dashboards.ts';
import type { LifecycleSnapshot } from './lifecycle-feed.ts';
import { listExperiments } from './ui-experiments.ts';
import { driftReportPage, type DriftReportSettings } from './ui-drift-report.ts';
import { htmlRoute, jsonRoute, queryOf, readJsonObject, requireWriteKey, segmentsAfter, sendHtml } from './ui-http.ts';
import { changeRegistry, getModel, listModels, reportPath, versionOf, type RegistryChangeResult } from './ui-models.ts';
import { artifactPath, compareRunsOf, listRuns, runView } from './ui-runs.ts';
import { sendStatic, type StaticAssets } from './ui-static.ts';

export interface UiDeps {
  readonly registry: ModelRegistry;
  readonly runs: RunStore;
  /** UI_API_KEYS: none configured = read-only. */
  readonly keys: BearerKeys;
  readonly assets: StaticAssets;
  readonly lifecycle: { snapshot(): LifecycleSnapshot };
  readonly dashboardsDir: string;
  readonly grafanaUrl: string;
  readonly driftMonitorUrl: string;
  readonly driftReports: DriftReportSettings;
  /** The environment promote and rollback announce with (Kafka settings, TOPIC_NAMESPACE, RISKSTREAM_NO_PUBLISH). */
  readonly commandEnv: Readonly<Record<string, string | undefined>>;
  /** The prom-client registry of /metrics. */
  readonly metrics: HttpServerOptions['registry'];
  readonly logger: Logger;
}

export function createUiServer(deps: UiDeps): Server {
  return createHttpServer({ registry: deps.metrics, routes: uiRoutes(deps), logger: deps.logger, timeouts: { headersMs: 10_000, requestMs: 120_000 } });
}

/** The one route table. */
export function uiRoutes(deps: UiDeps): Record<string, RouteHandler> {
  const json = (route: RouteHandler) => jsonRoute(deps.logger, route);
  const html = (route: RouteHandler) => htmlRoute(deps.logger, route);
  return {
    'GET /': (_req, res) => sendStatic(res, { body: deps.assets.index, contentType: 'text/html; charset=utf-8' }, deps.assets.indexCsp),
    'GET /static/*': (req, res) => assetRoute(deps, req, res),
    'GET /vendor/*': (req, res) => assetRoute(deps, req, res),
    'GET /api/config': json((_req, res) => sendJson(res, 200, { writable: deps.keys.configured, grafanaUrl: deps.grafanaUrl, driftMonitorUrl: deps.driftMonitorUrl })),
    'GET /api/runs': json(async (req, res) => sendJson(res, 200, { runs: await listRuns(deps.runs, queryOf(req)) })),
    'GET /api/runs/*': json(async (req, res) => sendJson(res, 200, runView(await deps.runs.get(oneSegment(req, '/api/runs/', 'run'))))),
    'GET /api/compare': json(async (req, res) => sendJson(res, 200, await compareRunsOf(deps.runs, queryOf(req).get('ids')))),
    'GET /runs/*': html((req, res) => artifactRoute(deps, req, res)),
    'GET /api/models': json(async (_req, res) => sendJson(res, 200, { models: await listModels(deps.registry) })),
    'GET /api/models/*': json(async (req, res) => sendJson(res, 200, await getModel(deps.registry, oneSegment(req, '/api/models/', 'model')))),
    'POST /api/models/*': requireWriteKey(deps.keys, json((req, res) => registryChangeRoute(deps, req, res))),
    'GET /models/*': html((req, res) => modelPageRoute(deps, req, res)),
    'GET /api/lifecycle': json((_req, res) => sendJson(res, 200, deps.lifecycle.snapshot())),
    'GET /api/experiments': json(async (_req, res) => sendJson(res, 200, { experiments: await listExperiments(deps.registry, deps.driftMonitorUrl) })),
    'GET /api/dashboards': json(async (_req, res) => sendJson(res, 200, { grafanaUrl: deps.grafanaUrl, dashboards: await dashboardLinks(deps.dashboardsDir, deps.grafanaUrl) })),
  };
}

function assetRoute(deps: UiDeps, req: IncomingMessage, res: ServerResponse): void {
  const file = deps.assets.files.get((req.url ?? '/').split('?')[0]!);
  if (!file) return sendJson(res, 404, { error: 'NOT_FOUND', message: 'no such file' });
  sendStatic(res, file);
}

function oneSegment(req: IncomingMessage, prefix: string, what: string): string {
  const parts = segmentsAfter(req, prefix);
  if (parts.length !== 1) throw new NotFoundError(what, `no route ${req.method} ${(req.url ?? '').split('?')[0]}`);
  return parts[0]!;
}

/** GET /runs/<id>/artifacts/<name>: a file the run recorded under that name, nothing else. */
async function artifactRoute(deps: UiDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const [id, kind, name, ...rest] = segmentsAfter(req, '/runs/');
  if (!id || kind !== 'artifacts' || !name || rest.length > 0) throw new NotFoundError('page', 'use /runs/<id>/artifacts/<name>');
  const path = await artifactPath(deps.runs, id, name);
  if (path === undefined) throw new NotFoundError('artifact', `run ${id} recorded no artifact named ${JSON.stringify(name)}`);
  await sendRecordedFile(res, path, name);
}

/** GET /models/<name>/<version>/report.html and /models/<name>/<version>/drift-report?from=&to=. */
async function modelPageRoute(deps: UiDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const [name, versionText, page, ...rest] = segmentsAfter(req, '/models/');
  if (!name || !versionText || !page || rest.length > 0) throw new NotFoundError('page', 'use /models/<name>/<version>/report.html or /drift-report');
  const version = versionOf(versionText);
  if (page === 'report.html') return sendRecordedFile(res, await reportPath(deps.registry, name, version), page);
  if (page === 'drift-report') return sendHtml(res, 200, await driftReportPage(deps.driftReports, name, version, queryOf(req)));
  throw new NotFoundError('page', `no page ${JSON.stringify(page)} for a model version`);
}

async function sendRecordedFile(res: ServerResponse, path: string, name: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new NotFoundError('file', `${name} is recorded but its file is gone`);
  const body = await readFile(path);
  const type = extname(name).toLowerCase();
  if (type === '.html') return sendHtml(res, 200, body.toString('utf8'));
  res.writeHead(200, {
    'content-type': type === '.json' ? 'application/json' : 'application/octet-stream',
    'content-length': body.length,
    'x-content-type-options': 'nosniff',
    ...(type === '.json' ? {} : { 'content-disposition': `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"` }),
  });
  res.end(body);
}

/** POST /api/models/<name>/promote {"version": N} and POST /api/models/<name>/rollback. */
async function registryChangeRoute(deps: UiDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const [name, verb, ...rest] = segmentsAfter(req, '/api/models/');
  if (!name || (verb !== 'promote' && verb !== 'rollback') || rest.length > 0) throw new NotFoundError('route', 'use POST /api/models/<name>/promote or /rollback');
  const body = await readJsonObject(req);
  const result = verb === 'promote'
    ? await changeRegistry(deps.registry, deps.commandEnv, { verb, name, version: versionOf(body['version']) })
    : await changeRegistry(deps.registry, deps.commandEnv, { verb, name });
  sendRegistryChange(res, result);
}

function sendRegistryChange(res: ServerResponse, r: RegistryChangeResult): void {
  if (r.exitCode === 0) return sendJson(res, 200, { ok: true, champion: r.champion, announced: r.announced, message: r.output.trim() });
  // Exit 1 after the change: the registry holds it, only the Kafka announcement failed.
  if (r.changed) return sendJson(res, 200, { ok: true, champion: r.champion, announced: false, message: r.output.trim(), warning: r.errors.trim() });
  sendJson(res, 409, { error: 'REFUSED', message: r.errors.trim() || r.output.trim(), champion: r.champion });
}
