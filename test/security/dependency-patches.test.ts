import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DependencyPatchError, assertDependencyPatches, missingPatches, readPatchList, type DependencyPatch } from '@riskstream/shared';
import { ROOT } from '../support/child-service.ts';

/**
 * A copy of the repository's patch list and replacements, and a fake installed kafkajs holding the patched
 * files, in a temp dir: the real node_modules is never unpatched (other test runs use it concurrently).
 */
function fakeInstall(patches: readonly DependencyPatch[]) {
  const dir = mkdtempSync(join(tmpdir(), 'rs-patch-guard-'));
  const root = join(dir, 'repo');
  const pkgDir = join(dir, 'node_modules', 'kafkajs');
  mkdirSync(join(root, 'scripts', 'dependency-patches'), { recursive: true });
  writeFileSync(join(root, 'scripts', 'dependency-patches', 'patches.json'), JSON.stringify(patches));
  for (const p of patches) {
    copyFileSync(join(ROOT, p.replacement), join(root, p.replacement));
    mkdirSync(dirname(join(pkgDir, p.file)), { recursive: true });
    copyFileSync(join(ROOT, p.replacement), join(pkgDir, p.file));
  }
  return { dir, root, pkgDir, options: { root, packageDir: () => pkgDir } };
}

test('every registered kafkajs patch is in place in this install', () => {
  assert.deepEqual(missingPatches(), []);
  assert.doesNotThrow(() => assertDependencyPatches());
});

test('a patched file replaced by the unpatched original is found, and the error says how to fix it', (t) => {
  const patches = readPatchList();
  const install = fakeInstall(patches);
  t.after(() => rmSync(install.dir, { recursive: true, force: true }));
  assert.deepEqual(missingPatches(install.options), []);
  // What `npm ci --ignore-scripts` leaves: kafkajs's own file. Its text is not in the repository, so the
  // stand-in is the replacement without riskstream's header comment, i.e. any other content.
  const sendMessages = patches.find((p) => p.file === 'src/producer/sendMessages.js')!;
  const target = join(install.pkgDir, sendMessages.file);
  writeFileSync(target, readFileSync(target, 'utf8').replace(/^(\/\/.*\n)+/, ''));
  assert.deepEqual(missingPatches(install.options), [{ pkg: 'kafkajs', file: 'src/producer/sendMessages.js', problem: 'differs' }]);
  assert.throws(
    () => assertDependencyPatches(install.options),
    (err: unknown) => {
      assert.ok(err instanceof DependencyPatchError);
      assert.equal(err.code, 'DEPENDENCY_PATCH_MISSING');
      assert.equal(err.retriable, false);
      assert.match(err.message, /kafkajs\/src\/producer\/sendMessages\.js is not the patched file/);
      assert.match(err.message, /npm rebuild/);
      assert.match(err.message, /node scripts\/patch-dependencies\.mjs/);
      return true;
    },
  );
});

test('a new file a patch adds (KIP-447 protocol versions) that is absent is found', (t) => {
  const patches = readPatchList();
  const install = fakeInstall(patches);
  t.after(() => rmSync(install.dir, { recursive: true, force: true }));
  const added = patches.filter((p) => p.newFile);
  assert.ok(added.length > 0);
  rmSync(join(install.pkgDir, added[0]!.file));
  assert.deepEqual(missingPatches(install.options), [{ pkg: 'kafkajs', file: added[0]!.file, problem: 'absent' }]);
});

