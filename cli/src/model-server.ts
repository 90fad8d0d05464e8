/**
 * `riskstream models serve`: the registry directory, read-only over HTTP, for scoring instances on
 * machines that do not share its filesystem (they use HttpModelSource). Exactly three routes:
 *
 *   GET /v1/models/:name/aliases                    { champion?, challenger?, experiment? }
 *   GET /v1/models/:name/:version/manifest.json     the validated manifest
 *   GET /v1/models/:name/:version/model.onnx        the ONNX bytes, sha256-checked before sending
 *
 * Everything goes through DirectoryModelSource, so the server hands out only complete versions (never a
 * `.tmp-*` directory being assembled) and refuses bytes that no longer match their manifest instead of
 * serving a corrupted file. Status codes carry the error class so clients can tell "absent" (404) from
 * "broken artifact" (422, not worth retrying) from "try again" (503).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { AppError, connectionSchema, createLogger, field, listen, toAppError, type ConfigOf, type Logger, type ServiceMainSpec } from '@riskstream/shared';
import { DirectoryModelSource, sha256Hex } from '@riskstream/shared/model';
import { REPO_ROOT } from './stack/stack-config.ts';

const ALIASES_ROUTE = /^\/v1\/models\/([^/]+)\/aliases$/;
const FILE_ROUTE = /^\/v1\/models\/([^/]+)\/([^/]+)\/(manifest\.json|model\.onnx)$/;

const STATUS_BY_CODE: Partial<Record<AppError['code'], number>> = {
  NOT_FOUND: 404,
  USAGE: 400,
  MODEL_INVALID: 422,
  DEPENDENCY_UNAVAILABLE: 503,
};

export const MODEL_SERVER_PORT = 8095;

/** `models serve --registry/--port/--host` set these variables; the flags win over the environment. */
export const modelServerConfigSchema = {
  registryDir: field.string({ env: 'MODEL_REGISTRY_DIR', description: 'model registry directory to serve', default: join(REPO_ROOT, '.riskstream', 'registry') }),
  httpPort: field.int({ env: 'HTTP_PORT', description: 'port of /v1/models, /healthz, /readyz (0 = any free port)', default: MODEL_SERVER_PORT, min: 0, max: 65535 }),
  httpHost: field.string({ env: 'HTTP_HOST', description: 'address the HTTP endpoint binds', default: '127.0.0.1' }),
  logLevel: connectionSchema.logLevel,
} as const;

export type ModelServerConfig = ConfigOf<typeof modelServerConfigSchema>;

/** The model-server process, run through serviceMain like every service (same help, exit codes, drain). */
export const modelServerMain: ServiceMainSpec<typeof modelServerConfigSchema> = {
  name: 'model-server',
  summary: 'the model registry directory -> GET /v1/models/... (read-only, sha256-checked) for scoring and drift-monitor on other hosts',
  schema: modelServerConfigSchema,
  async start(config) {
    const root = resolve(config.registryDir);
    const logger = createLogger('model-server', { level: config.logLevel });
    const server = createModelServer(root, { logger });
    const port = await listen(server, config.httpPort, config.httpHost);
    logger.info({ port, root }, `model server started: http://${config.httpHost}:${port}/v1/models`);
    return { stop: () => new Promise<void>((done) => server.close(() => done())) };
  },
};

export interface ModelServerOptions {
  readonly logger?: Logger;
}

export function createModelServer(registryRoot: string, options: ModelServerOptions = {}): Server {
  const source = new DirectoryModelSource(registryRoot);
  return createServer((req, res) => {
    handle(source, req, res).catch((err: unknown) => {
      const e = toAppError(err);
      const status = STATUS_BY_CODE[e.code] ?? 500;
      if (status >= 500) options.logger?.error({ err: e, code: e.code, url: req.url }, 'model server request failed');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJson(res, status, { error: e.code, message: status >= 500 && status !== 503 ? 'internal error' : e.message });
    });
  });
}

async function handle(source: DirectoryModelSource, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = decodePath(req.url ?? '/');
  // The same liveness/readiness routes every riskstream process has, for `services up` and k8s probes.
  if (path === '/healthz' || path === '/readyz') {
    sendJson(res, 200, { status: 'ok' });
    return;
  }
  const aliases = path === undefined ? null : ALIASES_ROUTE.exec(path);
  const file = path === undefined ? null : FILE_ROUTE.exec(path);
  if (!aliases && !file) {
    sendJson(res, 404, { error: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` });
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    sendJson(res, 405, { error: 'METHOD_NOT_ALLOWED', message: `${req.method} is not allowed; the registry is read-only here` });
    return;
  }
  const head = req.method === 'HEAD';
  if (aliases) {
    sendJson(res, 200, await source.aliases(aliases[1]!), head);
    return;
  }
  const [, name, versionText, kind] = file!;
  if (!/^[1-9][0-9]{0,8}$/.test(versionText!)) {
    sendJson(res, 400, { error: 'USAGE', message: `version "${versionText}" must be an integer >= 1` });
    return;
  }
  const version = Number(versionText);
  if (kind === 'manifest.json') {
    sendJson(res, 200, await source.manifest(name!, version), head);
    return;
  }
  // fetch() re-hashes the bytes against the manifest, so a file corrupted on disk is refused here.
  const { onnx } = await source.fetch(name!, version);
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': onnx.byteLength,
    'x-onnx-sha256': sha256Hex(onnx),
    // Versions are immutable; aliases are not, so only the artifacts may be cached.
    'cache-control': 'public, max-age=31536000, immutable',
  });
  res.end(head ? undefined : onnx);
}

function decodePath(url: string): string | undefined {
  try {
    return decodeURIComponent(url.split('?')[0]!);
  } catch {
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, head = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(head ? undefined : text);
}
