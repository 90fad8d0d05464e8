import { DependencyError, toAppError, type AppError, type Logger, type RetrainAction, type RetrainRequested } from '@riskstream/shared';
import type { AlertGate, Claim } from './alert-gate.ts';
import type { AlertReceiverMetrics } from './alert-receiver-metrics.ts';
import type { DriftEvidenceSource, EvidenceResult } from './drift-evidence.ts';
import { actionOf, alertName, buildRetrainRequest, modelNameOf } from './retrain-request.ts';
import type { AlertNotification, ReceivedAlert } from './webhook-payload.ts';

/**
 * What happens to each alert of an authenticated notification:
 *
 *   resolved                      -> acknowledged, counted ("resolved")
 *   firing, action none/other     -> acknowledged, counted ("ignored")
 *   firing, action retrain|rollback:
 *     seen before (dedup marker)  -> "duplicate"
 *     another request publishes it right now -> "in_progress" (the answer asks for a retry)
 *     model+action cooling down   -> "cooldown"
 *     else                        -> evidence fetched, RetrainRequested published, acknowledged by Kafka,
 *                                    markers committed -> "published"
 *
 * A failure (Redis or Kafka unavailable) releases the markers this request claimed, so the sender's
 * retry publishes; alerts after the first failure are not attempted (the retry covers them too).
 * The drift monitor is asked at most once per notification, and only when something is to be published.
 */

export type AlertOutcome = 'published' | 'duplicate' | 'in_progress' | 'cooldown' | 'resolved' | 'ignored' | 'failed';

export interface AlertResult {
  readonly fingerprint: string;
  readonly alert_name: string;
  readonly outcome: AlertOutcome;
  readonly action?: RetrainAction;
  readonly model_name?: string;
  /** The published request's id; for duplicates and cooldowns, the earlier request's when known. */
  readonly event_id?: string;
}

export interface IntakeResult {
  readonly results: readonly AlertResult[];
  /** Set when an alert could not be processed; the sender should retry if it is retriable. */
  readonly failure?: AppError;
}

export interface AlertIntakeOptions {
  readonly gate: AlertGate;
  readonly evidence: DriftEvidenceSource;
  /** Resolves once Kafka acknowledged the record (acks=all). */
  readonly publish: (record: RetrainRequested) => Promise<void>;
  readonly publishTimeoutMs: number;
  readonly defaultModelName: string;
  readonly fallbackRangeMs: number;
  /** epoch ms */
  readonly now: () => number;
  readonly metrics: AlertReceiverMetrics;
  readonly logger: Logger;
}

export interface AlertIntake {
  process(notification: AlertNotification): Promise<IntakeResult>;
}

export function createAlertIntake(o: AlertIntakeOptions): AlertIntake {
  const log = o.logger.child({ component: 'alert-intake' });

  async function fetchEvidence(): Promise<EvidenceResult> {
    const started = performance.now();
    const result = await o.evidence();
    o.metrics.evidenceDuration.observe((performance.now() - started) / 1000);
    o.metrics.evidenceFetches.inc({ outcome: result.ok ? 'ok' : 'failed' });
    if (!result.ok) log.warn({ error: result.error }, 'drift evidence unavailable; publishing with the evidence in the alert');
    return result;
  }

  async function publishWithin(record: RetrainRequested): Promise<void> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        o.publish(record),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new DependencyError('kafka', `no acknowledgement within ${o.publishTimeoutMs} ms`)), o.publishTimeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      o.metrics.publishDuration.observe((performance.now() - started) / 1000);
    }
  }

  async function releaseQuietly(claim: Claim | null, what: string): Promise<void> {
    try {
      await o.gate.release(claim);
    } catch (err) {
      // The claim lapses after its TTL; until then the sender's retry sees "in_progress" and retries again.
      log.warn({ err, code: toAppError(err).code, what }, 'releasing a claim failed');
    }
  }

  async function processOne(n: AlertNotification, alert: ReceivedAlert, action: RetrainAction, evidence: () => Promise<EvidenceResult>): Promise<AlertResult> {
    const base = { fingerprint: alert.fingerprint, alert_name: alertName(alert), action };
    const verdict = await o.gate.claimAlert(alert.fingerprint, alert.startsAt);
    if (verdict.kind === 'duplicate') return { ...base, outcome: 'duplicate', ...(verdict.eventId ? { event_id: verdict.eventId } : {}) };
    if (verdict.kind === 'in_progress') return { ...base, outcome: 'in_progress' };
    let cooldownClaim: Claim | null = null;
    try {
      const ev = await evidence();
      const modelName = modelNameOf(alert, ev, o.defaultModelName);
      const cooldown = await o.gate.claimCooldown(modelName, action);
      if (cooldown.kind === 'cooling') {
        await releaseQuietly(verdict.claim, 'dedup');
        return { ...base, model_name: modelName, outcome: 'cooldown', ...(cooldown.eventId ? { event_id: cooldown.eventId } : {}) };
      }
      cooldownClaim = cooldown.claim;
      const record = buildRetrainRequest({
        notification: n,
        alert,
        action,
        evidence: ev,
        defaultModelName: o.defaultModelName,
        fallbackRangeMs: o.fallbackRangeMs,
        now: o.now(),
      });
      await publishWithin(record);
      o.metrics.published.inc({ action });
      log.info(
        { eventId: record.event_id, alert: record.alert_name, fingerprint: alert.fingerprint, action, model: modelName, version: record.model_version, source: n.source },
        'retrain request published',
      );
      try {
        await o.gate.commit(verdict.claim, cooldownClaim, record.event_id);
      } catch (err) {
        // Published all the same: answering 503 now would make the sender publish it a second time.
        log.warn({ err, code: toAppError(err).code, eventId: record.event_id }, 'committing markers failed after publishing');
      }
      return { ...base, model_name: modelName, outcome: 'published', event_id: record.event_id };
    } catch (err) {
      await releaseQuietly(cooldownClaim, 'cooldown');
      await releaseQuietly(verdict.claim, 'dedup');
      throw err;
    }
  }

  return {
    async process(n) {
      const results: AlertResult[] = [];
      let failure: AppError | undefined;
      let evidence: Promise<EvidenceResult> | undefined;
      const lazyEvidence = () => (evidence ??= fetchEvidence());
      for (const alert of n.alerts) {
        const base = { fingerprint: alert.fingerprint, alert_name: alertName(alert) };
        let result: AlertResult;
        const action = actionOf(alert);
        if (alert.status === 'resolved') result = { ...base, outcome: 'resolved' };
        else if (action === null) result = { ...base, outcome: 'ignored' };
        else if (failure) result = { ...base, action, outcome: 'failed' };
        else {
          try {
            result = await processOne(n, alert, action, lazyEvidence);
          } catch (err) {
            failure = toAppError(err);
            log.error({ err: failure, code: failure.code, fingerprint: alert.fingerprint, source: n.source }, 'processing an alert failed');
            result = { ...base, action, outcome: 'failed' };
          }
        }
        o.metrics.alerts.inc({ source: n.source, outcome: result.outcome });
        results.push(result);
      }
      return failure ? { results, failure } : { results };
    },
  };
}
