/**
 * Scenario 8 of the fault suite: the model registry's and the offline store's directories run out of
 * space or turn read-only while the pipeline runs, during a promotion and during the archive. Each
 * directory is a small tmpfs of its own (a full disk is real ENOSPC, read-only a read-only remount).
 *
 * Registry: a register on a full disk and a promotion on a full and then a read-only disk each fail with
 * a RegistryStorageError (counted through onStorageError), leave no version or alias behind, and the
 * scoring process (also restarted mid-fault, so it reads the registry from the faulty disk) keeps
 * serving the old champion: every scored record is v1. Once the disk is back the promotion succeeds.
 *
 * Offline store: the archiver meets a read-only and then a full disk mid-stream; nothing is committed
 * until its files are published, so once the disk is back every enriched and scored record is archived
 * exactly once and no temporary is ever listed to readers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { listPartitions, OfflineStoreQuery, type OfflineTableName } from '@riskstream/shared';
import { ModelRegistry, RegistryStorageError, type GateResult } from '@riskstream/training';
import { waitFor } from '../support/child-service.ts';
import { readTopic } from '../support/integration.ts';
import { startPrivateRedis } from '../support/redis-server.ts';
import { mountSmallDisk } from '../support/small-disk.ts';
import { FaultHarness, faultProblems, faultProfile, printFaultTable, trainedModel, type FaultTransaction } from './fault-harness.ts';

const profile = faultProfile();
/** How long each disk fault lasts. */
const FAULT_MS = profile.name === 'full' ? 30_000 : 6_000;
const model = await trainedModel();
test.after(() => model.cleanup());

const GATE: GateResult = { promote: true, reasons: ['fault test'], metric: 'roc_auc', challenger: 0.9, champion: 0.85, hasChampion: true, delta: 0.05, ci: [0.01, 0.09], pValue: 0.01, skippedResamples: 0 };

/** The archived transaction ids of a table (each as often as it was archived). */
async function archivedIds(root: string, table: OfflineTableName): Promise<string[]> {
  const query = await OfflineStoreQuery.open();
  try {
    const ids: string[] = [];
    for (const p of await listPartitions(root, table)) {
      for (const f of p.files) assert.ok(!f.split('/').pop()!.startsWith('.'), `a reader was handed a temporary: ${f}`);
      for await (const b of query.scan(p.files, [{ name: 'transaction_id', kind: 'text' }])) {
        for (let i = 0; i < b.length; i++) ids.push(b.columns['transaction_id']![i] as string);
      }
    }
    return ids;
  } finally {
    query.close();
  }
}

/** A member's HTTP port, from the socket its process listens on. */
function listeningPort(pid: number): number {
  const line = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' }).split('\n').find((l) => l.includes(`pid=${pid},`));
  const port = Number(line?.trim().split(/\s+/)[3]?.split(':').pop());
  assert.ok(Number.isInteger(port), `no listening socket of pid ${pid}`);
  return port;
}

async function metricSum(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).reduce((s, l) => s + Number(l.split(' ').pop()), 0);
}

test(`integration: faults: registry and offline store full and read-only during a promotion and an archive (${profile.events.toLocaleString('en')} events): the old model serves, nothing half-written is read, nothing lost`, async (t) => {
  const registryDisk = mountSmallDisk(16 * 1024 * 1024);
  const offlineDisk = mountSmallDisk(64 * 1024 * 1024);
  t.after(() => {
    registryDisk.unmount();
    offlineDisk.unmount();
  });
  const registryDir = join(registryDisk.dir, 'registry');
  await cp(model.dir, registryDir, { recursive: true });
  const storageErrors: RegistryStorageError[] = [];
  const registry = await ModelRegistry.open(registryDir, { onStorageError: (e) => storageErrors.push(e) });
  const champion = await registry.get('fraud', 'champion');
  const onnx = await registry.readOnnx(champion);
  const { name: _n, version: _v, createdAt: _c, onnxSha256: _s, ...draft } = champion.manifest;
  const offlineRoot = join(offlineDisk.dir, 'offline');

  // A Redis of its own: the features' first batch checks the whole prefix for an older layout with SCAN,
  // which on the shared Redis (millions of keys from other runs) takes minutes on this machine.
  const redis = await startPrivateRedis();
  let opened: FaultHarness | undefined;
  t.after(async () => {
    await opened?.close();
    await redis.stop();
  });
  const h = await FaultHarness.open({
    label: 'disk',
    registryDir,
    redisUrl: redis.url,
    processes: ['ingest', 'features', 'scoring', 'decisions', 'archiver'],
    env: { OFFLINE_STORE_DIR: offlineRoot },
  });
  opened = h;
  await h.startAll();

  const steps: string[] = [];
  const registryFaults = async () => {
    await registryDisk.fill();
    await assert.rejects(registry.register('fraud', { onnx, manifest: { ...draft, parentVersion: champion.version } }), (e: unknown) => e instanceof RegistryStorageError && e.errno === 'ENOSPC' && e.operation === 'register');
    assert.deepEqual((await registry.list('fraud')).map((m) => m.version), [champion.version], 'no half-registered version is visible');
    await registryDisk.free();
    const challenger = await registry.register('fraud', { onnx, manifest: { ...draft, parentVersion: champion.version } });
    await registryDisk.fill();
    const clearFull = h.fault('registry disk full during a promotion');
    await assert.rejects(registry.promote('fraud', challenger, GATE), (e: unknown) => e instanceof RegistryStorageError && e.errno === 'ENOSPC' && e.operation === 'aliases');
    steps.push(`promote v${challenger} on a full disk: refused`);
    // A scoring restart now reads the champion from the full disk.
    await h.kill('scoring-0', 'SIGKILL');
    await h.restart('scoring-0');
    await sleep(FAULT_MS);
    await registryDisk.free();
    clearFull();
    registryDisk.readOnly();
    const clearRo = h.fault('registry read-only during a promotion');
    await assert.rejects(registry.promote('fraud', challenger, GATE), (e: unknown) => e instanceof RegistryStorageError && e.errno === 'EROFS');
    steps.push(`promote v${challenger} on a read-only disk: refused`);
    await sleep(FAULT_MS);
    registryDisk.writable();
    clearRo();
    assert.equal((await registry.aliases('fraud')).champion, champion.version, 'the failed promotions changed no alias');
    return challenger;
  };
  const archiveFaults = async () => {
    offlineDisk.readOnly();
    const clearRo = h.fault('offline store read-only during the archive');
    await sleep(FAULT_MS);
    offlineDisk.writable();
    clearRo();
    await offlineDisk.fill();
    const clearFull = h.fault('offline store full during the archive');
    await sleep(FAULT_MS);
    await offlineDisk.free();
    clearFull();
  };
  let faults: Promise<[number, void]> | undefined;
  const inputs: FaultTransaction[] = await h.stream({
    onProgress: (sent, total) => {
      if (faults === undefined && sent >= 0.2 * total) faults = Promise.all([registryFaults(), archiveFaults()]);
    },
  });
  const [challenger] = await faults!;
  for (const name of h.members()) assert.ok(h.alive(name), `${name} is still running:\n${h.logs(name)}`);

  // Only ingest's rejections (raw JSON) may be dead-lettered: a disk fault must be retried, never make a
  // consumer of the Avro topics (the archiver) dead-letter what it could not write.
  const invalid = inputs.filter((x) => !x.valid).length;
  const dlq = await readTopic(h.kafka, h.names.transactionsDlq, { count: invalid + 1, timeoutMs: 20_000, settleMs: 1000 });
  const foreign = dlq.filter((m) => m.value?.[0] === 0).map((m) => Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])));
  assert.deepEqual(foreign.slice(0, 3), [], `${foreign.length} Avro records dead-lettered`);

  const report = await h.verify('8. registry + offline store full / read-only');
  printFaultTable(t, [report]);
  // The suite's generic checks are asserted last, so a failure there still shows this scenario's own.
  const problems = faultProblems(report);

  // The old model kept serving: every scored record is the champion's.
  const scoredVersions = new Map<number, number>();
  for (const m of await readTopic(h.kafka, h.names.transactionsScored, { count: report.validIn, timeoutMs: 120_000, settleMs: 1000 })) {
    const v = ((await h.codec.decode('transactionsScored', m.value)) as { model_version: number }).model_version;
    scoredVersions.set(v, (scoredVersions.get(v) ?? 0) + 1);
  }
  assert.deepEqual([...scoredVersions.keys()], [champion.version], `scored by versions ${JSON.stringify([...scoredVersions])}`);
  assert.deepEqual(storageErrors.map((e) => `${e.operation} ${e.errno}`), ['register ENOSPC', 'aliases ENOSPC', 'aliases EROFS']);
  assert.ok(!(await readdir(join(registryDir, 'fraud'))).some((n) => n.startsWith('.tmp-')), 'no temporary left in the registry');

  // Archive: exactly once per record once the disk is back; the refusals were counted.
  const valid = inputs.filter((x) => x.valid).map((x) => x.id).sort();
  let transactions: string[] = [];
  let scores: string[] = [];
  await waitFor('the archive to catch up', async () => {
    [transactions, scores] = await Promise.all([archivedIds(offlineRoot, 'transactions'), archivedIds(offlineRoot, 'scores')]);
    return transactions.length >= valid.length && scores.length >= valid.length;
  }, 180_000, 2000);
  await sleep(3000);
  [transactions, scores] = await Promise.all([archivedIds(offlineRoot, 'transactions'), archivedIds(offlineRoot, 'scores')]);
  assert.deepEqual(transactions.sort(), valid, 'every valid transaction archived exactly once');
  assert.deepEqual(scores.sort(), valid, 'every score archived exactly once');
  const archiverErrors = await metricSum(listeningPort(h.member('archiver-0').child.pid!), 'archiver_storage_errors_total');
  assert.ok(archiverErrors > 0, 'the archiver counted the refused writes');
  const summary = `8. ${steps.join('; ')}; scoring restarted mid-fault; scored by v${champion.version} only (${report.scored}); archiver_storage_errors_total ${archiverErrors}; archived ${transactions.length} transactions, ${scores.length} scores`;
  t.diagnostic(summary);
  console.log(summary);

  // Once the disk is back, the promotion goes through.
  await registry.promote('fraud', challenger, GATE);
  assert.equal((await registry.aliases('fraud')).champion, challenger);
  assert.deepEqual(problems, []);
});
