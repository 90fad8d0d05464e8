import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lifecycleEvent, lifecycleRecord } from '@riskstream/shared';
import { lifecycleEventId } from '../../../training/src/worker/trainer.ts';

// The worker announces through the shared publisher (shared/src/lifecycle-publisher.ts), like the CLI.
test('a lifecycle event names the model server route; a rejection without any model has no artifact', () => {
  const e = lifecycleEvent({ action: 'PROMOTED', model: { name: 'fraud', version: 4, manifest: { onnxSha256: 'ab' } }, previousVersion: 3, reasons: ['r'], eventId: 'id', at: 5 }, 'http://models:8095/');
  assert.deepEqual(e, { event_id: 'id', model_name: 'fraud', action: 'PROMOTED', version: 4, previous_version: 3, onnx_sha256: 'ab', artifact_uri: 'http://models:8095/v1/models/fraud/4/model.onnx', reasons: ['r'], at: 5, experiment: null });
  assert.deepEqual(lifecycleRecord(e), { topic: 'modelsLifecycle', key: 'fraud', value: e });
  const none = lifecycleEvent({ action: 'REJECTED', model: { name: 'fraud', version: 0, manifest: { onnxSha256: '' } }, reasons: ['no data'] });
  assert.equal(none.artifact_uri, '');
  assert.equal(none.previous_version, null);
  assert.match(none.event_id, /^[0-9a-f-]{36}$/);
});

test('the trainer derives lifecycle event ids from the request and action, so a re-send is the same event', () => {
  assert.equal(lifecycleEventId('req-1', 'PROMOTED'), lifecycleEventId('req-1', 'PROMOTED'));
  assert.notEqual(lifecycleEventId('req-1', 'PROMOTED'), lifecycleEventId('req-1', 'REGISTERED'));
  assert.notEqual(lifecycleEventId('req-1', 'PROMOTED'), lifecycleEventId('req-2', 'PROMOTED'));
  assert.match(lifecycleEventId('req-1', 'PROMOTED'), /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
