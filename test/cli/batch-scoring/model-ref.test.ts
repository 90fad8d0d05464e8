import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError, UsageError } from '@riskstream/shared';
import { fetchModel, parseModelRef } from '../../../cli/src/batch-scoring/model-ref.ts';
import { testRegistry } from './batch-scoring-fixtures.ts';

test('model references: a name means its champion; versions and the two aliases; anything else is a usage error', () => {
  assert.deepEqual(parseModelRef('fraud'), { name: 'fraud', selector: 'champion' });
  assert.deepEqual(parseModelRef('fraud@7'), { name: 'fraud', selector: 7 });
  assert.deepEqual(parseModelRef('fraud@champion'), { name: 'fraud', selector: 'champion' });
  assert.deepEqual(parseModelRef('fraud@challenger'), { name: 'fraud', selector: 'challenger' });
  for (const bad of ['', '@3', 'fraud@', 'fraud@0', 'fraud@latest', 'fraud@1.5', '../x', 'a b']) {
    assert.throws(() => parseModelRef(bad), UsageError, bad);
  }
});

test('fetchModel resolves a reference in the registry and names what is missing', async (t) => {
  const { source } = await testRegistry(t);
  assert.equal((await fetchModel(source, parseModelRef('fraud'))).manifest.version, 1);
  assert.equal((await fetchModel(source, parseModelRef('fraud@challenger'))).manifest.version, 2);
  assert.equal((await fetchModel(source, parseModelRef('fraud@2'))).manifest.version, 2);
  await assert.rejects(fetchModel(source, parseModelRef('fraud@9')), (err: unknown) => err instanceof NotFoundError && /fraud has no version 9/.test(err.message));
  await assert.rejects(fetchModel(source, parseModelRef('other')), (err: unknown) => err instanceof NotFoundError && /other has no champion in /.test(err.message));
});
