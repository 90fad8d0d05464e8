/**
 * Scenario 4 of the fault suite: the schema registry down for 60 s (15 s in the default profile)
 * mid-stream. The processes reach the shared registry through a TCP proxy of this test's own
 * (test/support/tcp-proxy.ts), which the test cuts: connections reset, new ones refused, exactly what a
 * stopped registry looks like to a client, while the registry other tests share keeps running.
 *
 * Checked: the pipeline keeps scoring on the schemas it cached at start (scored records are committed
 * DURING the outage); a member started during the outage needs the registry for its schemas: it never
 * runs without them, waits for the registry (SCHEMA_REGISTRY_STARTUP_WAIT_MS; before that setting its
 * start-up gave up with exit 1 when the registry client's 3 retries ran out) and is ready once the
 * registry is back; nothing lost or duplicated, every invalid record dead-lettered, per-card order,
 * feature state.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectionSchema, loadConfig } from '@riskstream/shared';
import { endOffsetSum } from '../support/integration.ts';
import { startPrivateRedis } from '../support/redis-server.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import { FaultHarness, faultProblems, faultProfile, printFaultTable, trainedModel } from './fault-harness.ts';

const profile = faultProfile();
const OUTAGE_MS = profile.name === 'full' ? 60_000 : 15_000;
const model = await trainedModel();
test.after(() => model.cleanup());

test(`integration: faults: schema registry down ${OUTAGE_MS / 1000} s (${profile.events.toLocaleString('en')} events): cached schemas keep scoring, a member started during it is ready once it is back, nothing lost`, async (t) => {
  const registryUrl = new URL(loadConfig(connectionSchema, process.env).schemaRegistryUrl);
  const proxy = await startTcpProxy(registryUrl.hostname, Number(registryUrl.port || 80));
  const proxied = new URL(registryUrl);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  // A Redis of its own: the features' first batch SCANs the whole prefix for an older layout, minutes
  // on the shared Redis when other runs left millions of keys there.
  const redis = await startPrivateRedis();
  let h: FaultHarness | undefined;
  t.after(async () => {
    await h?.close();
    await proxy.close();
    await redis.stop();
  });
  h = await FaultHarness.open({ label: 'registry', registryDir: model.dir, redisUrl: redis.url, env: { SCHEMA_REGISTRY_URL: proxied.toString().replace(/\/$/, '') } });
  const harness = h;
  await harness.startAll();
  assert.ok(proxy.accepted > 0, 'the processes reach the registry through the proxy');

  const observed: string[] = [];
  let outage: Promise<void> | undefined;
  const during = async () => {
    await proxy.cut();
    const clear = harness.fault(`schema registry down ${OUTAGE_MS / 1000} s`);
    const scoredAtCut = await endOffsetSum(harness.kafka, harness.names.transactionsScored);
    // A member starting now must fetch its schemas: it must not run without them.
    const late = await harness.startMember('scoring', {}, false);
    await sleep(OUTAGE_MS);
    const scoredAtEnd = await endOffsetSum(harness.kafka, harness.names.transactionsScored);
    observed.push(`scored offsets ${scoredAtCut} -> ${scoredAtEnd} during the outage`);
    assert.ok(scoredAtEnd > scoredAtCut, `scoring went on during the outage on cached schemas (${scoredAtCut} -> ${scoredAtEnd})`);
    const lateState = harness.alive(late) ? 'running, waiting for the registry' : `exited ${harness.member(late).child.exitCode}`;
    observed.push(`${late} started during the outage: ${lateState}`);
    await proxy.restore();
    clear();
    assert.ok(harness.alive(late), `${late}, started during the outage, waits for the registry:\n${harness.logs(late)}`);
    // Back: the late member becomes ready without a restart.
    await harness.ready(late, 180_000);
  };
  await harness.stream({
    onProgress: (sent, total) => {
      if (outage === undefined && sent >= 0.2 * total) outage = during();
    },
  });
  await outage;
  for (const name of harness.members()) assert.ok(harness.alive(name), `${name} is running:\n${harness.logs(name)}`);
  const report = await harness.verify(`4. schema registry down ${OUTAGE_MS / 1000} s`);
  printFaultTable(t, [report]);
  t.diagnostic(`4. ${observed.join('; ')}`);
  console.log(`4. ${observed.join('; ')}`);
  assert.deepEqual(faultProblems(report), []);
});
