/**
 * Scenario 1 of the fault suite: kill -9 of every process (ingest, features, scoring, decisions,
 * drift-monitor, archiver, alert-receiver) at random points mid-stream, three times each in the full
 * profile (once each in the default one), each restarted at once. From read_committed output: every
 * valid input scored once, every invalid one dead-lettered, per-card order, and the Redis feature state
 * equal to its offline recomputation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byProfile, EVERY_PROCESS, FaultHarness, faultProblems, faultProfile, printFaultTable, trainedModel } from './fault-harness.ts';

const profile = faultProfile();
const KILLS_PER_PROCESS = byProfile(3, 1, profile);
const model = await trainedModel();
test.after(() => model.cleanup());

/** Kill points as shares of the stream, spread over [0.1, 0.85]: each process's kills in its own slots. */
function killSchedule(seed: number): Array<{ at: number; process: (typeof EVERY_PROCESS)[number] }> {
  let s = seed;
  const random = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const out: Array<{ at: number; process: (typeof EVERY_PROCESS)[number] }> = [];
  for (const process of EVERY_PROCESS) {
    for (let k = 0; k < KILLS_PER_PROCESS; k++) {
      const slot = 0.75 / KILLS_PER_PROCESS;
      out.push({ at: 0.1 + slot * k + random() * slot, process });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

test(`integration: faults: kill -9 of every process, ${KILLS_PER_PROCESS}x each at random points (${profile.events.toLocaleString('en')} events): 0 lost, 0 duplicates, DLQ complete, per-card order, feature state`, async (t) => {
  const h = await FaultHarness.open({ label: 'kill', registryDir: model.dir, processes: EVERY_PROCESS });
  t.after(() => h.close());
  await h.startAll();
  const seed = Number(process.env['FAULT_SEED'] ?? Date.now() % 100_000);
  t.diagnostic(`kill schedule seed ${seed} (FAULT_SEED to replay)`);
  const schedule = killSchedule(seed);
  // Per process, one kill-and-restart at a time: a kill due while the previous restart runs waits for it.
  const chains = new Map<string, Promise<void>>();
  const log: string[] = [];
  await h.stream({
    onProgress: (sent, total) => {
      while (schedule.length > 0 && sent >= schedule[0]!.at * total) {
        const { process } = schedule.shift()!;
        const name = `${process}-0`;
        chains.set(
          name,
          (chains.get(name) ?? Promise.resolve()).then(async () => {
            const clear = h.fault(`kill -9 ${name}`);
            await h.kill(name, 'SIGKILL');
            log.push(`${(sent / total).toFixed(2)} ${name}`);
            await h.restart(name);
            clear();
          }),
        );
      }
    },
  });
  await Promise.all(chains.values());
  t.diagnostic(`killed: ${log.join(', ')}`);
  const report = await h.verify(`1. kill -9 every process x${KILLS_PER_PROCESS}`);
  printFaultTable(t, [report]);
  assert.equal(report.faults.length, EVERY_PROCESS.length * KILLS_PER_PROCESS);
  assert.deepEqual(faultProblems(report), []);
});
