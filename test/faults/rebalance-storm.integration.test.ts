/**
 * Scenario 6 of the fault suite: a rebalance storm. While the stream runs, features and scoring members
 * are added and removed (SIGTERM) every few seconds for a minute (a quarter of it in the default
 * profile), each stage between 1 and 3 members. Every change moves partitions, with uncommitted work in
 * flight; read_committed output must still hold every valid input once, in per-card order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultHarness, faultProblems, faultProfile, printFaultTable, trainedModel, type ProcessName } from './fault-harness.ts';
import { fullProfileOnly } from './fault-profile.ts';

const profile = faultProfile();
const STORM_MS = 60_000 * profile.durationScale;
const CHANGE_EVERY_MS = 3000;
// npm test's rebalances: test/services/topology-rebalance.integration.test.ts (3 members per stage, join, leave, zombie).
const skip = fullProfileOnly('covered in npm test by topology-rebalance', profile);
const model = skip ? { dir: '', cleanup: async () => undefined } : await trainedModel();
test.after(() => model.cleanup());

test(`integration: faults: rebalance storm, features and scoring members added and removed every ${CHANGE_EVERY_MS / 1000} s for ${STORM_MS / 1000} s (${profile.events.toLocaleString('en')} events): 0 lost, 0 duplicates, per-card order, feature state`, { skip }, async (t) => {
  const h = await FaultHarness.open({ label: 'storm', registryDir: model.dir });
  t.after(() => h.close());
  await h.startAll();
  await Promise.all([h.startMember('features'), h.startMember('scoring')]);
  // The stream lasts the storm and a bit: changes land while records flow.
  const rate = Math.min(profile.rate * 2, Math.ceil(profile.events / ((STORM_MS + 5000) / 1000)));
  const changes: string[] = [];
  const leaving: Array<Promise<void>> = [];
  const storm = (async () => {
    await sleep(2000);
    const end = Date.now() + STORM_MS;
    let step = 0;
    while (Date.now() < end) {
      const stage: ProcessName = step % 2 === 0 ? 'features' : 'scoring';
      const members = h.members(stage);
      // Grow to 3, shrink to 1, and so on: every change is a rebalance of that stage's group.
      const grow = Math.floor(step / 4) % 2 === 0 ? members.length < 3 : members.length === 1;
      const clear = h.fault(`${grow ? '+' : '-'}${stage}`);
      if (grow) changes.push(`+${await h.startMember(stage, {}, false)}`);
      else {
        // Not awaited: a member draining its last commit must not hold the storm back.
        const victim = members[Math.floor(Math.random() * members.length)]!;
        leaving.push(h.remove(victim));
        changes.push(`-${victim}`);
      }
      clear();
      step++;
      await sleep(CHANGE_EVERY_MS / 2);
    }
  })();
  await h.stream({ rate });
  await storm;
  await Promise.all(leaving);
  t.diagnostic(`membership changes (${changes.length}): ${changes.join(' ')}`);
  const report = await h.verify('6. rebalance storm');
  printFaultTable(t, [report]);
  assert.ok(changes.length >= 4, `${changes.length} membership changes`);
  assert.deepEqual(faultProblems(report), []);
});
