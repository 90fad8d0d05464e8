import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPATIBILITY, SchemaType } from '@kafkajs/confluent-schema-registry';
import { TOPICS, TOPIC_KEYS, TopicCodec, ensureTopics, readSchemaFile, valueSubject } from '@riskstream/shared';
import { integrationEnv } from '../support/integration.ts';

test('integration: ensureTopics creates every catalog topic with its partitions and is idempotent', async (t) => {
  const env = await integrationEnv('topics');
  t.after(() => env.cleanup());
  const admin = env.kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const meta = await admin.fetchTopicMetadata({ topics: Object.values(env.names) });
  for (const key of TOPIC_KEYS) {
    const topic = meta.topics.find((m) => m.name === env.names[key]);
    assert.ok(topic, `${env.names[key]} exists`);
    assert.equal(topic.partitions.length, TOPICS[key].partitions);
  }
  const again = await ensureTopics(env.kafka, env.names);
  assert.deepEqual(again.created, []);
  assert.equal(again.existing.length, TOPIC_KEYS.length);
});

test('integration: registering is idempotent and every subject enforces BACKWARD compatibility (Apicurio defaults to NONE)', async (t) => {
  const env = await integrationEnv('compat');
  t.after(() => env.cleanup());
  const id = env.codec.schemaId('transactionsScored');
  const again = new TopicCodec(env.codec.registry, env.names);
  await again.register(); // a second process registering the same schemas gets the same ids
  assert.equal(again.schemaId('transactionsScored'), id);

  const subject = valueSubject(env.names.transactionsScored);
  const res = await fetch(`${env.config.schemaRegistryUrl}/config/${encodeURIComponent(subject)}`);
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { compatibilityLevel: string }).compatibilityLevel, 'BACKWARD');

  // Adding a required field without a default breaks BACKWARD compatibility: the registry must refuse it.
  const evolved = JSON.parse(readSchemaFile('transaction-scored')) as { fields: unknown[] };
  evolved.fields.push({ name: 'merchant_risk', type: 'double' });
  await assert.rejects(
    env.codec.registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(evolved) }, { subject, compatibility: COMPATIBILITY.BACKWARD }),
    (err: { status?: number }) => err.status === 409,
  );
  // A compatible change (optional field with default) is accepted as a new version.
  const compatible = JSON.parse(readSchemaFile('transaction-scored')) as { fields: unknown[] };
  compatible.fields.push({ name: 'merchant_risk', type: ['null', 'double'], default: null });
  const r = await env.codec.registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(compatible) }, { subject, compatibility: COMPATIBILITY.BACKWARD });
  assert.notEqual(r.id, id);
});

test('integration: a record with an unknown schema id is a non-retriable DecodeError', async (t) => {
  const env = await integrationEnv('unknown-id');
  t.after(() => env.cleanup());
  const bogus = Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]), Buffer.from([2, 4, 6])]);
  await assert.rejects(env.codec.decode('transactionsScored', bogus), { code: 'DECODE_FAILED', retriable: false });
  await assert.rejects(env.codec.decode('transactionsScored', Buffer.from('{"a":1}')), { code: 'DECODE_FAILED' });
  const header = Buffer.alloc(5);
  header.writeUInt32BE(env.codec.schemaId('transactionsScored'), 1);
  const corrupt = Buffer.concat([header, Buffer.from([0xff, 0xff, 0xff])]);
  await assert.rejects(env.codec.decode('transactionsScored', corrupt), { code: 'DECODE_FAILED', retriable: false });
  assert.deepEqual(await env.codec.decode('transactionsRaw', Buffer.from('{"a":1}')), { a: 1 }, 'raw topic accepts JSON');
});
