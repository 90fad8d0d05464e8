import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import avro from 'avsc';
import { SCHEMAS_DIR, TOPICS, TOPIC_KEYS, readSchemaFile, specForTopicName, topicNames, valueSubject } from '@riskstream/shared';

const ROOT = join(import.meta.dirname, '..', '..');

test('the catalog declares the topics the design names', () => {
  assert.deepEqual(
    TOPIC_KEYS.map((k) => TOPICS[k].name).sort(),
    [
      'models.lifecycle.v1',
      'models.retrain.v1',
      'transactions.decisions.v1',
      'transactions.dlq.v1',
      'transactions.enriched.v1',
      'transactions.labels.v1',
      'transactions.raw.v1',
      'transactions.scored.v1',
      'transactions.valid.v1',
    ],
  );
  for (const k of TOPIC_KEYS) assert.ok(TOPICS[k].partitions >= 1);
});

test('every schema parses and every fixture round-trips through Avro', () => {
  const declared = new Set(TOPIC_KEYS.map((k) => TOPICS[k].schema).filter((s): s is string => s !== null));
  const files = readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.avsc'));
  assert.deepEqual(files.map((f) => f.replace(/\.avsc$/, '')).sort(), [...declared].sort(), 'schema files and catalog agree');
  for (const name of declared) {
    const type = avro.Type.forSchema(JSON.parse(readSchemaFile(name)));
    const fixturePath = join(SCHEMAS_DIR, 'fixtures', `${name}.json`);
    assert.ok(existsSync(fixturePath), `fixture for ${name}`);
    const fixtures = JSON.parse(readFileSync(fixturePath, 'utf8')) as unknown[];
    assert.ok(fixtures.length > 0);
    for (const f of fixtures) {
      assert.ok(type.isValid(f), `${name} fixture is valid: ${JSON.stringify(f)}`);
      const back = type.fromBuffer(type.toBuffer(f));
      assert.deepEqual(JSON.parse(JSON.stringify(back)), f);
    }
  }
});

test('no topic name is declared outside the catalog', () => {
  const offenders: string[] = [];
  const pattern = /['"`](?:[\w.-]*\.)?(?:transactions|models)\.[a-z]+\.v\d+['"`]/;
  for (const dir of ['shared/src', 'services', 'training/src', 'cli/src']) {
    const abs = join(ROOT, dir);
    if (!existsSync(abs)) continue;
    for (const d of readdirSync(abs, { withFileTypes: true, recursive: true })) {
      if (!d.isFile() || !/\.(ts|js)$/.test(d.name) || d.parentPath.includes('node_modules')) continue;
      const file = join(d.parentPath, d.name);
      if (relative(ROOT, file) === join('shared', 'src', 'topics.ts')) continue;
      if (pattern.test(readFileSync(file, 'utf8'))) offenders.push(relative(ROOT, file));
    }
  }
  assert.deepEqual(offenders, []);
});

test('namespaced names map back to the catalog; subjects follow TopicNameStrategy', () => {
  const names = topicNames('t-abc.');
  assert.equal(names.transactionsScored, 't-abc.transactions.scored.v1');
  assert.equal(specForTopicName(names.transactionsScored), TOPICS.transactionsScored);
  assert.equal(valueSubject(names.transactionsRaw), 't-abc.transactions.raw.v1-value');
  assert.throws(() => specForTopicName('payments.v1'), { code: 'TOPIC_UNKNOWN' });
  assert.throws(() => topicNames('bad namespace/'), { code: 'TOPIC_UNKNOWN' });
});
