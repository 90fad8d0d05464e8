import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DependencyError, registerWhenReachable, SchemaRegistryError } from '@riskstream/shared';

/** A codec whose register() fails with the given errors, in order, then succeeds. */
function codecFailing(errors: Error[]): { register(): Promise<void>; calls: number } {
  const codec = {
    calls: 0,
    async register(): Promise<void> {
      const err = errors[codec.calls++];
      if (err) throw err;
    },
  };
  return codec;
}

const unreachable = () => new DependencyError('schema-registry', 'connect ECONNREFUSED 127.0.0.1:8081');

test('a registry that cannot be reached at start-up is waited for, with a growing pause, until it answers', async () => {
  const codec = codecFailing([unreachable(), unreachable(), unreachable()]);
  const waits: number[] = [];
  const pauses: number[] = [];
  await registerWhenReachable(codec, 60_000, (_err, attempt) => waits.push(attempt), async (ms) => pauses.push(ms));
  assert.equal(codec.calls, 4);
  assert.deepEqual(waits, [1, 2, 3]);
  assert.deepEqual(pauses, [500, 1000, 2000]);
});

test('the wait ends at the deadline with the registry\'s error; 0 means no wait', async () => {
  const codec = codecFailing([unreachable(), unreachable()]);
  await assert.rejects(registerWhenReachable(codec, 0, () => assert.fail('no wait expected'), async () => undefined), DependencyError);
  assert.equal(codec.calls, 1);
  const slow = codecFailing(Array.from({ length: 1000 }, unreachable));
  const started = Date.now();
  await assert.rejects(registerWhenReachable(slow, 50, () => undefined, (ms) => new Promise((r) => setTimeout(r, ms))), DependencyError);
  assert.ok(Date.now() - started < 2000);
});

test('a refusal (an incompatible schema) is not retried', async () => {
  const codec = codecFailing([new SchemaRegistryError('t-value', 'incompatible')]);
  await assert.rejects(registerWhenReachable(codec, 60_000, () => assert.fail('no wait expected'), async () => undefined), SchemaRegistryError);
  assert.equal(codec.calls, 1);
});
