/**
 * The browser app's files: index.html, the app's own modules and stylesheet (static/), and the vendored
 * libraries from node_modules under /vendor/ (Preact, its hooks, htm, Chart.js), so the page loads
 * nothing from outside. Only files listed at start-up are served: no request path reaches the disk.
 *
 * The page's Content-Security-Policy allows scripts from this origin only, plus the inline import map by
 * its SHA-256 (Chromium does not load an import map from a file), computed from index.html at start-up.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StackError } from '@riskstream/shared';

export const STATIC_DIR = join(import.meta.dirname, 'static');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

const STATIC_NAME = /^[a-z0-9-]+\.(js|css)$/;

export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
}

export interface StaticAssets {
  readonly index: Buffer;
  readonly indexCsp: string;
  /** /static/<name> and /vendor/<name>. */
  readonly files: ReadonlyMap<string, StaticFile>;
}

function vendorFiles(): Record<string, string> {
  const chartDir = dirname(fileURLToPath(import.meta.resolve('chart.js')));
  return {
    'preact.mjs': fileURLToPath(import.meta.resolve('preact')),
    'hooks.mjs': fileURLToPath(import.meta.resolve('preact/hooks')),
    'htm.mjs': fileURLToPath(import.meta.resolve('htm')),
    'chart.umd.min.js': join(chartDir, 'chart.umd.min.js'),
  };
}

export async function loadStaticAssets(dir = STATIC_DIR): Promise<StaticAssets> {
  const files = new Map<string, StaticFile>();
  for (const name of (await readdir(dir)).filter((n) => STATIC_NAME.test(n))) {
    files.set(`/static/${name}`, { body: await readFile(join(dir, name)), contentType: contentType(name) });
  }
  for (const [name, path] of Object.entries(vendorFiles())) {
    files.set(`/vendor/${name}`, { body: await readFile(path), contentType: contentType(name) });
  }
  const index = await readFile(join(dir, 'index.html'));
  return { index, indexCsp: pageCsp(index.toString('utf8')), files };
}

function contentType(name: string): string {
  return CONTENT_TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream';
}

/** The CSP of index.html: its inline import map by hash, everything else from this origin. */
export function pageCsp(html: string): string {
  const m = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new StackError('ui', 'static/index.html has no inline import map');
  const hash = createHash('sha256').update(m[1]!, 'utf8').digest('base64');
  return [
    "default-src 'none'",
    `script-src 'self' 'sha256-${hash}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function sendStatic(res: ServerResponse, file: StaticFile, csp?: string): void {
  res.writeHead(200, {
    'content-type': file.contentType,
    'content-length': file.body.length,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(csp ? { 'content-security-policy': csp } : {}),
  });
  res.end(file.body);
}
