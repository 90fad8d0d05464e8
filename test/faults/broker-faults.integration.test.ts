/**
 * Scenario 2 of the fault suite, on private clusters (the shared stack is never touched):
 *  - three brokers (RF 3, min ISR 2): one broker killed (-9), one stopped cleanly, one hung (SIGSTOP for
 *    30 s, then SIGCONT), one after the other while the stream runs, each brought back before the next;
 *  - a single broker: restarted (clean stop, start) mid-stream; everything waits for it.
 * Durations are the stated ones in the full profile, a quarter of them in the default one. The pipeline
 * (split stages and decisions) must end with every valid input scored once, every invalid one
 * dead-lettered, per-card order and the Redis feature state right.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLocalCluster, type LocalCluster } from '../support/kafka-cluster.ts';
import { waitFor } from '../support/child-service.ts';
import { FaultHarness, faultProblems, faultProfile, printFaultTable, trainedModel, type FaultReport } from './fault-harness.ts';
import { fullProfileOnly } from './fault-profile.ts';

const profile = faultProfile();
const DOWN_MS = 20_000 * profile.durationScale;
const HANG_MS = 30_000 * profile.durationScale;
// Private clusters cost about three minutes per test on a 2-core machine (JVM start, heal, purge): over the
// default run's budget, so only `npm run test:faults` (FAULT_PROFILE=full) runs them.
const skip = fullProfileOnly('private broker clusters', profile);
const model = skip ? { dir: '', cleanup: async () => undefined } : await trainedModel();
test.after(() => model.cleanup());

function running(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2]!.startsWith('Z');
  } catch {
    return false;
  }
}

function pidOf(cluster: LocalCluster, node: number): number {
  const pid = cluster.pidOf(node);
  if (pid === undefined || !running(pid)) throw new Error(`broker ${node} of ${cluster.stackDir} is not running`);
  return pid;
}

/** A clean stop: SIGTERM (the broker's controlled shutdown moves its leaders away first), then its exit. */
async function stopCleanly(cluster: LocalCluster, node: number): Promise<void> {
  const pid = pidOf(cluster, node);
  process.kill(pid, 'SIGTERM');
  await waitFor(`broker ${node} exits`, () => !running(pid), 120_000, 200);
}

/** Runs the cluster, the harness on it and the stream with its faults; returns the report. */
async function withCluster(
  t: TestContext,
  size: 1 | 3,
  label: string,
  plannedSeconds: number,
  faults: (cluster: LocalCluster, h: FaultHarness, log: string[]) => Promise<void>,
  scenario: string,
): Promise<FaultReport> {
  const cluster = await startLocalCluster(size);
  let h: FaultHarness | undefined;
  t.after(async () => {
    await h?.close();
    await cluster.stop();
  });
  h = await FaultHarness.open({ label, registryDir: model.dir, kafka: cluster.config });
  await h.startAll();
  const log: string[] = [];
  let faulting: Promise<void> | undefined;
  const harness = h;
  await h.stream({
    // The stream lasts the faults: they all land while records flow.
    rate: Math.min(profile.rate, Math.ceil(profile.events / plannedSeconds)),
    onProgress: (sent, total) => {
      if (!faulting && sent >= total * 0.15) faulting = faults(cluster, harness, log);
    },
  });
  await faulting;
  t.diagnostic(`${scenario}: ${log.join('; ')}`);
  return h.verify(scenario);
}

test(`integration: faults: one broker of three killed (-9), stopped cleanly and hung ${HANG_MS / 1000} s, each mid-stream then back (${profile.events.toLocaleString('en')} events): 0 lost, 0 duplicates, per-card order, feature state`, { skip }, async (t) => {
  const report = await withCluster(t, 3, 'broker3', (3 * DOWN_MS + HANG_MS) / 1000 + 40, async (cluster, h, log) => {
    const mark = (what: string) => log.push(`${new Date().toISOString().slice(11, 19)} ${what}`);
    let clear = h.fault('kill -9 broker 1');
    cluster.kill(1);
    mark('broker 1 killed');
    await sleep(DOWN_MS);
    await cluster.heal();
    clear();
    mark('broker 1 back');
    await sleep(DOWN_MS / 2);
    clear = h.fault('clean stop broker 2');
    await stopCleanly(cluster, 2);
    mark('broker 2 stopped');
    await sleep(DOWN_MS);
    await cluster.heal();
    clear();
    mark('broker 2 back');
    await sleep(DOWN_MS / 2);
    const pid = pidOf(cluster, 3);
    clear = h.fault(`SIGSTOP broker 3 ${HANG_MS / 1000} s`);
    process.kill(pid, 'SIGSTOP');
    mark('broker 3 hung');
    try {
      await sleep(HANG_MS);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    clear();
    mark('broker 3 resumed');
  }, '2. broker of 3: kill -9, stop, hang');
  printFaultTable(t, [report]);
  assert.equal(report.faults.length, 3);
  assert.deepEqual(faultProblems(report), []);
});

test(`integration: faults: a single broker restarted mid-stream (${profile.events.toLocaleString('en')} events): 0 lost, 0 duplicates, per-card order, feature state`, { skip }, async (t) => {
  const report = await withCluster(t, 1, 'broker1', DOWN_MS / 1000 + 30, async (cluster, h, log) => {
    const clear = h.fault('restart the single broker');
    await stopCleanly(cluster, 1);
    log.push('broker stopped');
    await sleep(DOWN_MS / 2);
    await cluster.heal();
    clear();
    log.push('broker back');
  }, '2. single broker restart');
  printFaultTable(t, [report]);
  assert.equal(report.faults.length, 1);
  assert.deepEqual(faultProblems(report), []);
});
