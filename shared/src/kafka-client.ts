import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions, type LogEntry } from 'kafkajs';
import type { ConnectionConfig } from './config.ts';
import { assertDependencyPatches } from './dependency-patches.ts';
import { CredentialsError } from './errors.ts';
import type { Logger } from './logger.ts';

/**
 * Builds the one kafkajs client a process uses; SASL/SCRAM and TLS come from config, off by default.
 * Every Kafka user goes through here, so this is where a process refuses to run an unpatched kafkajs.
 */
export function createKafka(config: ConnectionConfig, clientId: string, logger?: Logger, overrides: Partial<KafkaConfig> = {}): Kafka {
  assertDependencyPatches();
  const kafkaConfig: KafkaConfig = {
    clientId: `${config.kafkaClientId}-${clientId}`,
    brokers: [...config.kafkaBrokers],
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    ...(logger ? { logCreator: () => (entry: LogEntry) => forwardKafkaLog(logger, entry) } : {}),
    ...overrides,
  };
  if (config.kafkaTls) {
    kafkaConfig.ssl = config.kafkaTlsCaFile ? { ca: [readFileSync(config.kafkaTlsCaFile, 'utf8')] } : true;
  }
  if (config.kafkaSaslMechanism !== 'none') {
    kafkaConfig.sasl = {
      mechanism: config.kafkaSaslMechanism,
      username: config.kafkaSaslUsername ?? '',
      password: config.kafkaSaslPassword ?? '',
    } as SASLOptions;
  }
  return new Kafka(kafkaConfig);
}

/**
 * kafkajs logs every CONCURRENT_TRANSACTIONS answer as an error, and a transaction begun right after the
 * previous one committed meets it routinely for a few ms while the commit markers are written; the
 * producer retries it (TRANSACTIONAL_RETRY). Likewise UNSTABLE_OFFSET_COMMIT: a member that just got a
 * partition waits (require_stable) while the previous owner's transaction with its offsets completes,
 * and kafkajs retries. Both are routine, so they are debug here, not an error per attempt.
 */
const ROUTINE_RETRY = /another concurrent operation on the same transaction|unstable offsets that need to be cleared/;

export function forwardKafkaLog(logger: Logger, { level, log }: LogEntry): void {
  const { message, ...extra } = log;
  const fields = { kafka: extra };
  if (ROUTINE_RETRY.test(String(extra['error'] ?? '')) || ROUTINE_RETRY.test(message)) logger.debug(fields, message);
  else if (level === logLevel.ERROR) logger.error(fields, message);
  else if (level === logLevel.WARN) logger.warn(fields, message);
  else if (level === logLevel.INFO) logger.info(fields, message);
  else logger.debug(fields, message);
}

const TLS_VERIFY_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT_ALTNAME_INVALID/;

/**
 * The Kafka failure no retry can fix, found anywhere in an error's cause chain (ensureTopics and the
 * runner wrap kafkajs's errors): SASL authentication refused, or a broker certificate the CA bundle does
 * not vouch for. As a CredentialsError naming the settings to check; kafkajs's messages carry no password.
 */
export function kafkaCredentialsRejection(err: unknown): CredentialsError | undefined {
  for (let e = err as { name?: string; message?: string; code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 10; e = e.cause as typeof e, depth++) {
    if (e.name === 'KafkaJSSASLAuthenticationError') {
      return new CredentialsError('kafka', `${e.message} (check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE)`, err);
    }
    if (typeof e.code === 'string' && TLS_VERIFY_CODES.test(e.code)) {
      return new CredentialsError('kafka', `TLS: ${e.message} (check KAFKA_TLS_CA_FILE)`, err);
    }
  }
  return undefined;
}
