import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger, loadConfig, topicNames } from '@riskstream/shared';
import { publishLifecycle } from '../../../cli/src/lifecycle-publisher.ts';
import { offsetsToRanges, type LifecycleFeed } from '../../../cli/src/ui/lifecycle-feed.ts';
import { uiConfigSchema } from '../../../cli/src/ui/ui-config.ts';
import { createLifecycleFeed } from '../../../cli/src/ui/ui-main.ts';
import { uniqueId } from '../../support/integration.ts';
import { API_KEY, API_KEYS, startUiFixture } from './ui-fixtures.ts';

const MODEL = { name: 'fraud', version: 3, manifest: { onnxSha256: 'ab'.repeat(32) } };

describe('lifecycle feed on the real stack', () => {
  const namespace = `t-ui-feed-${uniqueId()}.`;
  const env = { TOPIC_NAMESPACE: namespace, UI_LIFECYCLE_KEEP: '3', LOG_LEVEL: 'silent' };
  let feed: LifecycleFeed;
  before(() => {
    feed = createLifecycleFeed(loadConfig(uiConfigSchema, env), createLogger('ui-test', { level: 'silent' }));
  });
  after(() => feed.stop());

  test('before the topic exists: ok and no events', async () => {
    await feed.refresh();
    const s = feed.snapshot();
    assert.equal(s.status, 'ok', String(s.error));
    assert.equal(s.topic, topicNames(namespace).modelsLifecycle);
    assert.deepEqual(s.events, []);
  });

  test('events announced by the CLI publisher appear newest first, decoded, the last UI_LIFECYCLE_KEEP only', async () => {
    const at = Date.now();
    for (let i = 0; i < 4; i++) {
      await publishLifecycle(env, { action: i % 2 === 0 ? 'PROMOTED' : 'ROLLED_BACK', model: { ...MODEL, version: i + 1 }, reasons: [`step ${i}`], at: at + i });
    }
    await feed.refresh();
    const s = feed.snapshot();
    assert.equal(s.status, 'ok', String(s.error));
    assert.deepEqual(s.events.map((e) => [e.event['action'], e.event['version'], e.event['reasons']]), [
      ['ROLLED_BACK', 4, ['step 3']],
      ['PROMOTED', 3, ['step 2']],
      ['ROLLED_BACK', 2, ['step 1']],
    ]);
    assert.equal(Number(s.events[0]!.event['at']), at + 3);
    const readAt = s.readAt;
    await feed.refresh();
    assert.equal(feed.snapshot().readAt, readAt, 'offsets unchanged: nothing read again');
  });

  test('GET /api/lifecycle of a UI on the same namespace shows them', async (t) => {
    const ui = await startUiFixture({ kafkaBrokers: '127.0.0.1:9092', topicNamespace: namespace });
    t.after(() => ui.close());
    let body: { status?: string; events?: { event: { action: string; version: number } }[] } = {};
    for (let i = 0; i < 80 && body.status !== 'ok'; i++) {
      body = (await (await fetch(`${ui.url}/api/lifecycle`)).json()) as typeof body;
      if (body.status !== 'ok') await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(body.status, 'ok');
    assert.deepEqual(body.events!.slice(0, 2).map((e) => [e.event.action, e.event.version]), [['ROLLED_BACK', 4], ['PROMOTED', 3]]);
  });

  test('a promotion from the UI is announced on models.lifecycle.v1 and shows in its feed', async (t) => {
    const ui = await startUiFixture({ kafkaBrokers: '127.0.0.1:9092', topicNamespace: namespace, apiKeys: API_KEYS, publish: true });
    t.after(() => ui.close());
    const r = await fetch(`${ui.url}/api/models/fraud/promote`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: '{"version":2}' });
    const body = (await r.json()) as Record<string, unknown>;
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.deepEqual([body['champion'], body['announced']], [2, true]);
    await ui.feed.refresh();
    const latest = ui.feed.snapshot().events[0]!.event;
    assert.deepEqual([latest['action'], latest['model_name'], latest['version'], latest['previous_version']], ['PROMOTED', 'fraud', 2, 1]);
  });
});

test('offsetsToRanges keeps the last `keep` offsets of each non-empty partition', () => {
  assert.deepEqual(offsetsToRanges([{ partition: 1, low: '0', high: '10' }, { partition: 0, low: '5', high: '7' }, { partition: 2, low: '4', high: '4' }], 3), [
    { partition: 0, start: 5, end: 7 },
    { partition: 1, start: 7, end: 10 },
  ]);
});
