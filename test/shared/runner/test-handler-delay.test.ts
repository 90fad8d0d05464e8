import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, connectionSchema, loadConfig } from '@riskstream/shared';
import { slowedHandler } from '../../../shared/src/runner/test-handler-delay.ts';
import type { BatchHandler, HandlerContext } from '../../../shared/src/runner/runner-types.ts';

const ctx = (signal = new AbortController().signal): HandlerContext => ({ heartbeat: async () => undefined, signal });

test('the test-only handler delay slows every n-th call by its ms, asynchronously, and passes the records through', async () => {
  const seen: number[] = [];
  const handler: BatchHandler<number> = async (messages) => {
    seen.push(messages.length);
    return { outputs: [] };
  };
  const slow = slowedHandler(handler, { ms: 150, every: 2 });
  const took: number[] = [];
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    // A timer firing during the wait proves the event loop (and so the runner's heartbeats) keeps running.
    let ticked = false;
    const tick = setTimeout(() => (ticked = true), 20);
    await slow([], ctx());
    clearTimeout(tick);
    took.push(performance.now() - t0);
    if (i % 2 === 1) assert.ok(ticked, 'the event loop ran during the delay');
  }
  assert.deepEqual(seen, [0, 0, 0, 0]);
  assert.ok(took[0]! < 100 && took[2]! < 100, `undelayed calls: ${took.join(', ')}`);
  assert.ok(took[1]! >= 140 && took[3]! >= 140, `delayed calls: ${took.join(', ')}`);
});

test('shutdown cuts the test-only handler delay short', async () => {
  const abort = new AbortController();
  const slow = slowedHandler(async () => ({ outputs: [] }), { ms: 60_000, every: 1 });
  const t0 = performance.now();
  setTimeout(() => abort.abort(), 30);
  await slow([], ctx(abort.signal));
  assert.ok(performance.now() - t0 < 5000);
});

test('RUNNER_TEST_HANDLER_DELAY_MS / _EVERY: off by default, validated like every setting', () => {
  const c = loadConfig(connectionSchema, {});
  assert.equal(c.testHandlerDelayMs, 0);
  assert.equal(c.testHandlerDelayEvery, 1);
  assert.equal(loadConfig(connectionSchema, { RUNNER_TEST_HANDLER_DELAY_MS: '9000', RUNNER_TEST_HANDLER_DELAY_EVERY: '8' }).testHandlerDelayMs, 9000);
  assert.throws(() => loadConfig(connectionSchema, { RUNNER_TEST_HANDLER_DELAY_MS: '-1', RUNNER_TEST_HANDLER_DELAY_EVERY: '0' }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /RUNNER_TEST_HANDLER_DELAY_MS/);
    assert.match(err.message, /RUNNER_TEST_HANDLER_DELAY_EVERY/);
    return true;
  });
});
