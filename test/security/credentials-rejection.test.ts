import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import kafkajs from 'kafkajs';
import {
  CredentialsError,
  DependencyError,
  EXIT_CODES,
  connectionSchema,
  createLogger,
  kafkaCredentialsRejection,
  redisCredentialsRejection,
  serviceMain,
  type ExitCode,
} from '@riskstream/shared';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

// kafkajs's own error classes (CommonJS: named imports are not detected); its typings omit the message.
const { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded } = kafkajs;
const KafkaJSSASLAuthenticationError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
const sasl = () => new KafkaJSSASLAuthenticationError('SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512');

test('kafka: a SASL rejection is found however deep ensureTopics or the runner wrapped it; an outage is not one', () => {
  const wrapped = new DependencyError('kafka', 'ensureTopics failed', new KafkaJSNumberOfRetriesExceeded(sasl(), { retryCount: 5, retryTime: 3000 }));
  const rejected = kafkaCredentialsRejection(wrapped);
  assert.ok(rejected instanceof CredentialsError);
  assert.equal(rejected.code, 'CREDENTIALS_REJECTED');
  assert.equal(rejected.retriable, false);
  assert.match(rejected.message, /^kafka: SASL SCRAM SHA512 authentication failed: .*\(check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE\)$/);
  const tls = kafkaCredentialsRejection(new KafkaJSConnectionError('Connection error: self-signed certificate in certificate chain', { code: 'SELF_SIGNED_CERT_IN_CHAIN' } as never));
  assert.match(tls?.message ?? '', /^kafka: TLS: .*\(check KAFKA_TLS_CA_FILE\)$/);
  assert.equal(kafkaCredentialsRejection(new DependencyError('kafka', 'down', new KafkaJSConnectionError('Connection error: connect ECONNREFUSED', { code: 'ECONNREFUSED' } as never))), undefined);
  assert.equal(kafkaCredentialsRejection(new Error('anything else')), undefined);
});

test('redis: WRONGPASS and NOAUTH are credentials refused, a refused connection or a timeout is an outage', () => {
  const wrong = redisCredentialsRejection(new Error('WRONGPASS invalid username-password pair or user is disabled.'));
  assert.ok(wrong instanceof CredentialsError);
  assert.equal(wrong.message, 'redis: WRONGPASS invalid username-password pair or user is disabled (check REDIS_USERNAME and REDIS_PASSWORD or REDIS_PASSWORD_FILE)');
  assert.ok(redisCredentialsRejection(new Error('NOAUTH Authentication required.')));
  assert.match(redisCredentialsRejection(Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }))?.message ?? '', /TLS: .*REDIS_TLS_CA_FILE/);
  assert.equal(redisCredentialsRejection(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' })), undefined);
  assert.equal(redisCredentialsRejection(new Error('Command timed out')), undefined);
});

test('serviceMain: a start-up failing on Kafka credentials prints CREDENTIALS_REJECTED, exit 1, not the dependency error', async () => {
  const stderr = sink();
  const exits: ExitCode[] = [];
  await serviceMain(
    {
      name: 'demo',
      summary: 'x',
      schema: connectionSchema,
      async start() {
        throw new DependencyError('kafka', `ensureTopics failed: ${sasl().message}`, sasl());
      },
    },
    [],
    { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p4ssw0rd-never-shown' },
    { stderr: stderr.stream, logger: createLogger('demo', { destination: sink().stream }), exit: (c) => void exits.push(c), signals: new EventEmitter() },
  );
  assert.deepEqual(exits, [EXIT_CODES.FAILED]);
  assert.match(stderr.text(), /^demo: CREDENTIALS_REJECTED: kafka: SASL SCRAM SHA512 authentication failed/);
  assert.doesNotMatch(stderr.text(), /DEPENDENCY_UNAVAILABLE|p4ssw0rd/);
});
