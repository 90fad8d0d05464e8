import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { BearerKeys, checkSecretKeys, createHttpServer, listen, parseSecretKeys, requireBearer, sendJson } from '@riskstream/shared';

const KEYS = 'old:aaaaaaaaaaaaaaaaaaaa,new:bbbbbbbbbbbbbbbbbbbbbbbb';

test('a bearer key matches by constant-time digest; every listed key is valid (rotation)', () => {
  const keys = new BearerKeys(parseSecretKeys(KEYS));
  assert.deepEqual(keys.match({ authorization: 'Bearer aaaaaaaaaaaaaaaaaaaa' }), { ok: true, keyId: 'old' });
  assert.deepEqual(keys.match({ authorization: 'bearer bbbbbbbbbbbbbbbbbbbbbbbb' }), { ok: true, keyId: 'new' });
  assert.deepEqual(keys.match({ authorization: 'Bearer aaaaaaaaaaaaaaaaaaa' }), { ok: false, reason: 'wrong_credentials' }, 'a prefix is not the key');
  assert.deepEqual(keys.match({}), { ok: false, reason: 'missing_credentials' });
  assert.deepEqual(keys.match({ authorization: 'Basic abc' }), { ok: false, reason: 'malformed_credentials' });
  assert.deepEqual(new BearerKeys([]).match({ authorization: 'Bearer x' }), { ok: false, reason: 'not_configured' });
});

test('key lists are checked once, naming entries, never secrets', () => {
  assert.deepEqual(checkSecretKeys(KEYS, 'X'), []);
  const issues = checkSecretKeys('a:short,a:aaaaaaaaaaaaaaaaaaaa,:nokeyid', 'X');
  assert.equal(issues.length, 3);
  assert.ok(issues.every((i) => i.field === 'X' && !i.problem.includes('short') && !i.problem.includes('aaaa')));
});

test('requireBearer: 401 with WWW-Authenticate before the route runs; open when no key is configured', async (t) => {
  let ran = 0;
  const refused: string[] = [];
  const route = (_req: unknown, res: Parameters<typeof sendJson>[0]) => (ran++, sendJson(res, 200, { ok: true }));
  const server = createHttpServer({
    registry: new Registry(),
    routes: {
      'POST /guarded': requireBearer(new BearerKeys(parseSecretKeys(KEYS)), route, (r) => refused.push(r)),
      'POST /open': requireBearer(new BearerKeys([]), route),
    },
  });
  const port = await listen(server, 0);
  t.after(() => server.close());
  const post = (path: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers, body: '{}' });
  const denied = await post('/guarded');
  assert.equal(denied.status, 401);
  assert.match(denied.headers.get('www-authenticate') ?? '', /^Bearer realm=/);
  assert.deepEqual(await denied.json(), { error: 'UNAUTHORIZED', reason: 'missing_credentials' });
  assert.equal((await post('/guarded', { authorization: 'Bearer nope-nope-nope-nope' })).status, 401);
  assert.equal(ran, 0);
  assert.equal((await post('/guarded', { authorization: 'Bearer bbbbbbbbbbbbbbbbbbbbbbbb' })).status, 200);
  assert.equal((await post('/open')).status, 200);
  assert.deepEqual(refused, ['missing_credentials', 'wrong_credentials']);
});
