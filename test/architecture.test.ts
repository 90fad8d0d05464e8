import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

/**
 * One-way dependencies: services/* -> shared, training -> shared, cli -> anything but services' internals.
 * Services never import each other, except the two processes that compose the ingest, features and
 * scoring stages (their package entry points only): the fused topology and the decision API. Shared never imports a
 * service, training or the cli.
 */
const STAGES = ['services/ingest', 'services/features', 'services/scoring'];
const COMPOSERS = ['fused', 'decisions'];
const ROOT = join(import.meta.dirname, '..');

interface Unit {
  name: string;
  dir: string;
  mayImport: (target: string) => boolean;
}

function units(): Unit[] {
  const services = existsSync(join(ROOT, 'services'))
    ? readdirSync(join(ROOT, 'services'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)
    : [];
  return [
    { name: 'shared', dir: 'shared', mayImport: (t) => t === 'shared' },
    { name: 'training', dir: 'training', mayImport: (t) => t === 'shared' || t === 'training' },
    ...services.map((s) => ({
      name: `services/${s}`,
      dir: `services/${s}`,
      mayImport: (t: string) => t === 'shared' || t === `services/${s}` || (COMPOSERS.includes(s) && STAGES.includes(t)),
    })),
    { name: 'cli', dir: 'cli', mayImport: (t) => t !== 'test' },
  ];
}

function unitOf(path: string): string | undefined {
  const rel = relative(ROOT, path).split('/');
  if (rel[0] === 'services') return `services/${rel[1]}`;
  return ['shared', 'training', 'cli', 'test'].includes(rel[0]!) ? rel[0] : undefined;
}

function packageUnit(spec: string): string | undefined {
  const m = /^@riskstream\/([a-z-]+)/.exec(spec);
  if (!m) return undefined;
  const pkg = m[1]!;
  if (pkg === 'shared' || pkg === 'training' || pkg === 'cli') return pkg;
  return `services/${pkg}`;
}

test('imports only flow services -> shared and training -> shared', () => {
  const violations: string[] = [];
  for (const unit of units()) {
    const abs = join(ROOT, unit.dir);
    for (const d of readdirSync(abs, { withFileTypes: true, recursive: true })) {
      if (!d.isFile() || !d.name.endsWith('.ts') || d.parentPath.includes('node_modules')) continue;
      const file = join(d.parentPath, d.name);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const spec = m[1] ?? m[2]!;
        const target = spec.startsWith('.') ? unitOf(resolve(dirname(file), spec)) : packageUnit(spec);
        if (target !== undefined && !unit.mayImport(target)) violations.push(`${relative(ROOT, file)} imports ${spec} (${target})`);
        // The fused composition goes through a stage's package entry, never into its files.
        if (unit.name === 'services/fused' && spec.startsWith('.') && target !== unit.name) violations.push(`${relative(ROOT, file)} reaches into ${spec}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('workspace package.json dependencies respect the same direction', () => {
  for (const unit of units()) {
    const pkgPath = join(ROOT, unit.dir, 'package.json');
    if (!existsSync(pkgPath)) continue;
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      const target = packageUnit(dep);
      if (target !== undefined) assert.ok(unit.mayImport(target), `${unit.name} depends on ${dep}`);
    }
  }
});
