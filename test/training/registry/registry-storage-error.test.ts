import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DependencyError } from '@riskstream/shared';
import { RegistryStorageError, registryStorageError } from '../../../training/src/registry/registry-storage-error.ts';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: refused, open '/r/m/.tmp-1/model.onnx'`), { code });
}

test('a full, read-only or failing disk becomes a retriable RegistryStorageError naming the operation, path and errno', () => {
  for (const code of ['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EACCES', 'EPERM']) {
    const e = registryStorageError('aliases', '/r/m/aliases.json', errno(code));
    assert.ok(e instanceof RegistryStorageError && e instanceof DependencyError, code);
    assert.equal(e.retriable, true);
    assert.equal(e.code, 'DEPENDENCY_UNAVAILABLE');
    assert.deepEqual([e.operation, e.path, e.errno, e.dependency], ['aliases', '/r/m/aliases.json', code, 'model-registry']);
    assert.match(e.message, /the registry is unchanged/);
  }
});

test('other failures pass through unchanged: they are about the request, not the disk', () => {
  for (const err of [errno('ENOENT'), errno('EEXIST'), new TypeError('bug'), 'a string']) {
    assert.equal(registryStorageError('register', '/r/m', err), err);
  }
  const typed = registryStorageError('register', '/r/m', errno('ENOSPC'));
  assert.equal(registryStorageError('aliases', '/elsewhere', typed), typed, 'wrapped once');
});
