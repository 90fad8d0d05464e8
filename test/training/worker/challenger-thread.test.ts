import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@riskstream/shared';
import { simulate, simulatedTrainingData } from '@riskstream/training';
import { runChallengerJob, type ChallengerJobInput } from '../../../training/src/worker/challenger-job.ts';
import { runChallengerInThread } from '../../../training/src/worker/challenger-thread.ts';

const sim = simulate({ nCustomers: 300, nTerminals: 600, nbDays: 30, seed: 5 });
const INPUT: ChallengerJobInput = {
  name: 'fraud',
  data: (({ simulation: _s, ...data }) => data)(simulatedTrainingData({ seed: 5, simulation: sim })),
  seed: 3,
  searchTrials: 0,
  gate: { metric: 'roc_auc', margin: 0.002, iterations: 100, confidence: 0.95 },
  retrain: { event_id: 'e-thread' },
};

test('the worker thread trains the same model as the in-process job and reports progress', async () => {
  const stages = new Set<string>();
  const threaded = await runChallengerInThread(INPUT, { signal: new AbortController().signal, progress: (s) => stages.add(s) });
  const local = await runChallengerJob(INPUT);
  // The ONNX bytes embed the training time; the model itself is compared through its scores.
  assert.deepEqual(threaded.challenger, local.challenger);
  assert.deepEqual(threaded.gate, local.gate);
  assert.ok(stages.has('boosting') && stages.has('compare'), [...stages].join(','));
  assert.equal((threaded.manifest.trainingConfig as { retrain: { event_id: string } }).retrain.event_id, 'e-thread');
  assert.equal(threaded.manifest.parentVersion, undefined, 'no champion: compared with the no-skill baseline');
  assert.match(threaded.reasons[0]!, /vs no-skill baseline 0\.5000/);
  assert.match(threaded.reportHtml, /<h2>Retrain decision<\/h2>/);
});

test('shutdown terminates the thread and rejects with SHUTDOWN', async () => {
  const abort = new AbortController();
  const running = runChallengerInThread(INPUT, { signal: abort.signal, progress: (stage) => stage === 'boosting' && abort.abort() });
  await assert.rejects(running, (e: unknown) => e instanceof AppError && e.code === 'SHUTDOWN');
});

test('an error inside the thread comes back with its code', async () => {
  const broken: ChallengerJobInput = { ...INPUT, gate: { ...INPUT.gate, iterations: 5 } };
  await assert.rejects(runChallengerInThread(broken, { signal: new AbortController().signal, progress: () => undefined }), (e: unknown) => e instanceof AppError && e.code === 'VALIDATION_FAILED');
});
