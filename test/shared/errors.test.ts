import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, DependencyError, ERROR_CODES, ValidationError, toAppError } from '@riskstream/shared';

const ROOT = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith('.ts') && !d.parentPath.includes('node_modules'))
    .map((d) => join(d.parentPath, d.name));
}

test('every error code is documented and every code used in the code exists', () => {
  for (const [code, doc] of Object.entries(ERROR_CODES)) {
    assert.match(code, /^[A-Z_]+$/);
    assert.ok(doc.length > 10, `${code} needs a description`);
  }
  const used = new Set<string>();
  for (const dir of ['shared/src', 'services', 'training/src', 'cli/src']) {
    for (const f of sourceFiles(join(ROOT, dir))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/new AppError\(\s*'([A-Z_]+)'/g)) used.add(m[1]!);
    }
  }
  for (const code of used) assert.ok(code in ERROR_CODES, `code ${code} is used but not in ERROR_CODES`);
});

test('AppError carries code, retriable and cause', () => {
  const cause = new Error('socket closed');
  const e = new DependencyError('redis', 'down', cause);
  assert.equal(e.code, 'DEPENDENCY_UNAVAILABLE');
  assert.equal(e.retriable, true);
  assert.equal(e.cause, cause);
  assert.equal(e.name, 'DependencyError');
  const v = new ValidationError('AMOUNT_OUT_OF_RANGE', [{ path: 'amount', problem: 'must be >= 0' }]);
  assert.equal(v.retriable, false);
  assert.equal(v.reason, 'AMOUNT_OUT_OF_RANGE');
  assert.deepEqual(v.toJSON(), { name: 'ValidationError', code: 'VALIDATION_FAILED', retriable: false, message: v.message });
});

test('toAppError keeps AppErrors, marks kafkajs retriable errors retriable, wraps the rest', () => {
  const app = new AppError('NOT_FOUND', 'x');
  assert.equal(toAppError(app), app);
  const kafkaLike = Object.assign(new Error('leader not available'), { retriable: true });
  assert.equal(toAppError(kafkaLike).retriable, true);
  const plain = toAppError(new TypeError('boom'));
  assert.equal(plain.code, 'HANDLER_FAILED');
  assert.equal(plain.retriable, false);
  assert.equal(toAppError('a string').message, 'a string');
});

test('no code throws a string', () => {
  for (const dir of ['shared/src', 'services', 'training/src', 'cli/src']) {
    for (const f of sourceFiles(join(ROOT, dir))) {
      assert.doesNotMatch(readFileSync(f, 'utf8'), /throw\s+['"`]/, `${f} throws a string`);
    }
  }
});
