import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionSchema, createRedis, loadConfig } from '@riskstream/shared';
import { LuaScript } from '@riskstream/shared/feature-store';
import { uniqueId } from '../../support/integration.ts';

test('integration: a script the server does not know is sent once with its source, then called by SHA1', async (t) => {
  const redis = createRedis(loadConfig(connectionSchema, process.env));
  t.after(() => redis.quit().then(() => undefined));
  // A source no server has seen: a unique comment changes the SHA1.
  const script = new LuaScript('echo', `-- ${uniqueId()}\nreturn {KEYS[1], ARGV[1]}`);
  assert.deepEqual(await redis.script('EXISTS', script.sha1), [0]);
  assert.deepEqual(await script.run(redis, ['k'], ['v']), ['k', 'v']);
  assert.deepEqual(await redis.script('EXISTS', script.sha1), [1], 'the EVAL fallback cached it');
  assert.deepEqual(await script.run(redis, ['k2'], [3]), ['k2', '3']);
});
