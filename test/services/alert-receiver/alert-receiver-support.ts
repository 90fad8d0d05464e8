import type { TestContext } from 'node:test';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connectionSchema, createRedis, listen, loadConfig, runService, type RetrainRequested, type RunningService } from '@riskstream/shared';
import { buildAlertReceiver } from '../../../services/alert-receiver/src/app.ts';
import { alertReceiverConfigSchema, checkAlertReceiverConfig, type AlertReceiverConfig } from '../../../services/alert-receiver/src/config.ts';
import { grafanaSignature } from '../../../services/alert-receiver/src/webhook-auth.ts';
import { readTopic, uniqueId, type IntegrationEnv } from '../../support/integration.ts';
import { deleteRedisKeys, redisEntries } from '../../support/redis-keys.ts';

/** Integration helpers for the alert receiver: the service in-process on a free port, a fake drift monitor. */

export const AM_TOKEN = 'it-alertmanager-token-0123456789';
export const GRAFANA_SECRET = 'it-grafana-hmac-secret-0123456789';

export interface RunningReceiver {
  readonly service: RunningService;
  readonly config: AlertReceiverConfig;
  readonly url: string;
  postAlertmanager(body: string, token?: string): Promise<{ status: number; body: Record<string, unknown> }>;
  postGrafana(body: string, secret?: string): Promise<{ status: number; body: Record<string, unknown> }>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

export async function startReceiver(t: TestContext, env: IntegrationEnv, extra: Record<string, string> = {}): Promise<RunningReceiver> {
  const vars = {
    TOPIC_NAMESPACE: env.namespace,
    HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
    ALERTMANAGER_BEARER_TOKENS: `old:rotated-out-token-0123456789,cur:${AM_TOKEN}`,
    GRAFANA_WEBHOOK_HMAC_SECRETS: `g1:${GRAFANA_SECRET}`,
    ALERT_RECEIVER_REDIS_KEY_PREFIX: `test:alert-receiver:${uniqueId()}:`,
    ...extra,
  };
  const config = loadConfig(alertReceiverConfigSchema, { ...process.env, ...vars }, checkAlertReceiverConfig);
  const service = await runService('alert-receiver', config, (ctx) => buildAlertReceiver(ctx, config), { installSignalHandlers: false });
  t.after(() => service.stop());
  t.after(() => deleteRedisKeys(config.redisKeyPrefix));
  const url = `http://127.0.0.1:${service.port}`;
  const post = async (path: string, body: string, headers: Record<string, string>) => {
    const res = await fetch(url + path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return {
    service,
    config,
    url,
    postAlertmanager: (body, token = AM_TOKEN) => post('/alerts/alertmanager', body, { authorization: `Bearer ${token}` }),
    postGrafana(body, secret = GRAFANA_SECRET) {
      const ts = String(Math.floor(Date.now() / 1000));
      return post('/alerts/grafana', body, { 'X-Grafana-Alerting-Signature': grafanaSignature(secret, ts, body), 'X-Grafana-Alerting-Timestamp': ts });
    },
    async metric(name, labels = {}) {
      const m = (await service.ctx.registry.getMetricsAsJSON()).find((x) => x.name === name);
      return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
    },
  };
}

/** A drift monitor that only answers GET /v1/drift with a fixed report, and counts the calls. */
export async function fakeDriftMonitor(t: TestContext, report: unknown): Promise<{ url: string; calls: () => number }> {
  let calls = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && req.url === '/v1/drift') {
      calls++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(report));
    } else res.writeHead(404).end();
  });
  const port = await listen(server, 0);
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { url: `http://127.0.0.1:${port}`, calls: () => calls };
}

/** Every record on the namespaced models.retrain.v1 (exact: the high watermark says how many there are). */
export async function retrainRecords(env: IntegrationEnv): Promise<{ key: string; value: RetrainRequested }[]> {
  const admin = env.kafka.admin();
  await admin.connect();
  let count = 0;
  try {
    for (const p of await admin.fetchTopicOffsets(env.names.modelsRetrain)) count += Number(p.high) - Number(p.low);
  } finally {
    await admin.disconnect();
  }
  if (count === 0) return [];
  const messages = await readTopic(env.kafka, env.names.modelsRetrain, { count, timeoutMs: 30000, settleMs: 0 });
  return Promise.all(messages.map(async (m) => ({ key: m.key!.toString(), value: (await env.codec.decode('modelsRetrain', m.value)) as RetrainRequested })));
}

export { freePort } from '../../support/child-service.ts';

export { redisEntries };
