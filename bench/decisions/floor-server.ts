/**
 * The floor of POST /v1/decisions: the least a decision served over HTTP costs here. A bare node:http
 * server whose POST handler reads the transaction JSON, makes ONE Redis call of the feature store's
 * apply-events script for that event (FeatureStore.applyEvents with one event, on its own key prefix:
 * the call the decisions process makes for a batch), computes the features from the pre-state it
 * answers, runs onnxruntime session.run at batch 1 on the registry graph (model.onnx, the bytes the
 * decisions process serves, with the scoring service's session options), and answers 200 with the score.
 *
 * Nothing else: no validation beyond JSON.parse, no card tokenisation, no dedup or answer store, no
 * Kafka, no reasons. Run as its own process by decisions-bench.ts:
 *
 *   node bench/decisions/floor-server.ts --port N --key-prefix PREFIX [--source DIR|URL] [--model NAME]
 *
 * Redis from the environment (REDIS_URL, ...); GET /readyz answers 200 once the model and Redis are up.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { connectionSchema, createRedis, loadConfig, TOPICS } from '@riskstream/shared';
import { FeatureStore, LONGEST_RETENTION_DAYS, type StoreSettings } from '@riskstream/shared/feature-store';
import { amountToCents, computeFeatures, dayIndex, featureVectorToRecord, TERMINAL_DELAY_DAYS } from '@riskstream/shared/features';
import { createModelSource } from '@riskstream/shared/model';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    source: { type: 'string', default: process.env['MODEL_SOURCE'] ?? '.riskstream/bench-registry' },
    model: { type: 'string', default: 'fraud' },
    'key-prefix': { type: 'string', default: 'bench:floor:' },
  },
});

const SECONDS_PER_DAY = 86_400;
const retentionSeconds = (topic: keyof typeof TOPICS): number => Math.ceil(Number(TOPICS[topic].config['retention.ms']) / 1000);
/** The feature service's defaults (services/features/src/config.ts), so the script does the same writes. */
const SETTINGS: StoreSettings = {
  featureTtlSeconds: (LONGEST_RETENTION_DAYS + 1) * SECONDS_PER_DAY,
  snapshotTtlSeconds: retentionSeconds('transactionsValid'),
  labelMarkerTtlSeconds: retentionSeconds('transactionsLabels'),
  retentionSlackDays: TERMINAL_DELAY_DAYS,
};
/** The scoring service's session options (services/scoring/src/scoring-model.ts), one intra-op thread. */
const SESSION_OPTIONS = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' } as const;
const NO_METRICS = { redisRoundtrip: { startTimer: () => () => 0 } };

const source = createModelSource(values.source!);
const version = await source.resolve(values.model!, 'champion');
if (version === undefined) {
  process.stderr.write(`floor: no champion for ${values.model} in ${source.location}\n`);
  process.exit(2);
}
const fetched = await source.fetch(values.model!, version);
const featureNames = fetched.manifest.featureNames;
const session = await ort.InferenceSession.create(fetched.onnx, SESSION_OPTIONS);
const redis = createRedis(loadConfig(connectionSchema, process.env));
await redis.connect();
const store = new FeatureStore(redis, values['key-prefix']!, SETTINGS, NO_METRICS);

interface RawTransaction {
  readonly transaction_id: string;
  readonly card_number: string;
  readonly terminal_id: string | null;
  readonly amount: number;
  readonly event_time: number;
}

async function decide(tx: RawTransaction): Promise<{ transaction_id: string; score: number }> {
  const [pre] = await store.applyEvents([{
    transactionId: tx.transaction_id,
    cardToken: tx.card_number,
    terminalId: tx.terminal_id,
    day: dayIndex(tx.event_time),
    cents: amountToCents(tx.amount),
    apply: true,
  }]);
  const features = featureVectorToRecord(computeFeatures({ eventTimeMs: tx.event_time, amount: tx.amount }, pre!.customer, pre!.terminal)) as Record<string, number>;
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of featureNames) feeds[name] = new ort.Tensor('float32', Float32Array.of(features[name] ?? Number.NaN), [1, 1]);
  const out = await session.run(feeds);
  return { transaction_id: tx.transaction_id, score: (out['probability']!.data as Float32Array)[0]! };
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url === '/readyz') return answer(res, 200, { ready: true });
  if (req.method !== 'POST') return answer(res, 404, { error: 'not found' });
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let tx: RawTransaction;
  try {
    tx = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RawTransaction;
  } catch {
    return answer(res, 400, { error: 'invalid JSON' });
  }
  answer(res, 200, await decide(tx));
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    process.stderr.write(`floor: ${(err as Error).message}\n`);
    if (!res.headersSent) answer(res, 500, { error: 'failed' });
  });
});
server.listen(Number(values.port), values.host, () => {
  process.stderr.write(`floor: ${values.model}@${version} on ${values.host}:${(server.address() as { port: number }).port}\n`);
});

process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void Promise.all([session.release(), redis.quit()]).finally(() => process.exit(0));
});
