import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelRegistry } from '@riskstream/training';
import { RunJournal, type RunRecord } from '../../../training/src/worker/run-journal.ts';

function run(eventId: string, over: Partial<RunRecord> = {}): Omit<RunRecord, 'updated_at'> {
  return { event_id: eventId, model_name: 'fraud', action: 'RETRAIN', alert_name: 'a', state: 'training', received_at: '2025-01-01T00:00:00.000Z', announced: [], ...over };
}

test('records survive a reopen; event ids never become paths; only shadow runs are pending', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'trainer-journal-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const journal = new RunJournal(root);
  assert.equal(await journal.get('nope'), undefined);
  assert.deepEqual(await journal.pendingShadows(), { runs: [], unreadable: [] });
  await journal.put(run('../../etc/passwd'));
  await journal.put(run('b', { state: 'shadow', version: 2, shadow_until: 200 }));
  await journal.put(run('c', { state: 'shadow', version: 3, shadow_until: 100 }));
  await journal.put(run('d', { state: 'done', outcome: 'promoted', announced: ['REGISTERED', 'PROMOTED'] }));

  const reopened = new RunJournal(root);
  assert.equal((await reopened.get('../../etc/passwd'))?.state, 'training');
  assert.deepEqual((await reopened.get('d'))?.announced, ['REGISTERED', 'PROMOTED']);
  assert.deepEqual((await reopened.pendingShadows()).runs.map((r) => r.event_id), ['c', 'b'], 'earliest deadline first');
  const files = await readdir(reopened.dir);
  await writeFile(join(reopened.dir, `${'0'.repeat(40)}.json`), '{ torn');
  assert.deepEqual((await reopened.pendingShadows()).unreadable, [join(reopened.dir, `${'0'.repeat(40)}.json`)], 'a torn record does not stop the worker');
  assert.ok(files.every((f) => /^[0-9a-f]{40}\.json$/.test(f)), files.join(','));
  // The registry ignores the journal's dot-directory.
  const registry = await ModelRegistry.open(root);
  assert.deepEqual(await registry.models(), []);
});

test('withLock serializes two finalizers of one run', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'trainer-journal-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const journal = new RunJournal(root);
  const order: string[] = [];
  await Promise.all(
    ['x', 'y'].map((who) =>
      journal.withLock('e1', async () => {
        order.push(`${who}+`);
        await new Promise((r) => setTimeout(r, 20));
        order.push(`${who}-`);
      }),
    ),
  );
  assert.ok(order.join(',') === 'x+,x-,y+,y-' || order.join(',') === 'y+,y-,x+,x-', order.join(','));
});
