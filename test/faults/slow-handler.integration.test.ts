/**
 * Scenario 7 of the fault suite: a handler slower than the session timeout. The features stage (two
 * members, session 6 s) waits 1.5x the session timeout in handler calls (RUNNER_TEST_HANDLER_DELAY_MS,
 * a test-only runner option: an asynchronous wait, as a slow dependency would be), and mid-stream a third
 * member joins and one leaves, so rebalances happen while handlers are slow. The runner heartbeats during
 * the wait, so the members keep their sessions: no rebalance loop (a bounded number of group joins), no
 * duplicates, nothing lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildService } from '../support/child-service.ts';
import { byProfile, FaultHarness, faultProblems, faultProfile, printFaultTable, trainedModel } from './fault-harness.ts';

const profile = faultProfile();
const SESSION_MS = 6000;
const DELAY_MS = SESSION_MS * 1.5;
// Every handler call in the small profile; in the full one every 8th, or 100,000 events would take an hour.
const DELAY_EVERY = byProfile(8, 1, profile);
// Half the small profile's events: every call of the small profile is slow, and the run must fit its budget.
const EVENTS = byProfile(profile.events, Math.round(profile.events / 2), profile);
const model = await trainedModel();
test.after(() => model.cleanup());

function joins(output: string): number {
  return output.match(/joined group/g)?.length ?? 0;
}

test(`integration: faults: a features handler ${DELAY_MS / 1000} s slow (session ${SESSION_MS / 1000} s) while members join and leave (${EVENTS.toLocaleString('en')} events): no rebalance loop, 0 duplicates, 0 lost`, async (t) => {
  const slow = { RUNNER_TEST_HANDLER_DELAY_MS: String(DELAY_MS), RUNNER_TEST_HANDLER_DELAY_EVERY: String(DELAY_EVERY) };
  const h = await FaultHarness.open({ label: 'slow', registryDir: model.dir, sessionTimeoutMs: SESSION_MS, processEnv: { features: slow } });
  t.after(() => h.close());
  await h.startAll();
  await h.startMember('features');
  const events: string[] = [];
  const outputs = new Map<string, ChildService>();
  await h.stream({
    events: EVENTS,
    rate: byProfile(profile.rate, 300, profile),
    onProgress: async (sent, total) => {
      if (sent >= total * 0.3 && !events.includes('join')) {
        events.push('join');
        const clear = h.fault('+features while slow');
        const name = await h.startMember('features', {}, false);
        events.push(name);
        void h.ready(name).then(clear);
      }
      if (sent >= total * 0.6 && !events.includes('leave')) {
        events.push('leave');
        const clear = h.fault('-features-0 while slow');
        for (const n of h.members('features')) outputs.set(n, h.member(n));
        await h.remove('features-0');
        clear();
      }
    },
  });
  const report = await h.verify('7. slow handler (1.5x session)');
  for (const n of h.members('features')) outputs.set(n, h.member(n));
  const perMember = [...outputs].map(([n, c]) => ({ n, joins: joins(c.output()), crashes: c.output().match(/consumer crash/g)?.length ?? 0 }));
  t.diagnostic(`membership: ${events.join(', ')}; group joins per member: ${perMember.map((m) => `${m.n} ${m.joins}`).join(', ')}; crashes ${perMember.reduce((s, m) => s + m.crashes, 0)}`);
  printFaultTable(t, [report]);
  assert.deepEqual(faultProblems(report), []);
  // Three membership changes after the first join: each member sees at most a few generations. A member
  // losing its session in each slow call would rejoin once per call instead.
  const totalJoins = perMember.reduce((s, m) => s + m.joins, 0);
  assert.ok(totalJoins <= 12, `${totalJoins} group joins across the features members: a rebalance loop`);
  assert.equal(perMember.reduce((s, m) => s + m.crashes, 0), 0, 'no consumer crash');
});
