import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logLevel, type LogEntry } from 'kafkajs';
import { forwardKafkaLog } from '../../shared/src/kafka-client.ts';
import type { Logger } from '../../shared/src/logger.ts';

function recordingLogger(): { logger: Logger; calls: string[] } {
  const calls: string[] = [];
  const at = (level: string) => (_fields: unknown, message: string) => void calls.push(`${level}:${message}`);
  return { logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') } as unknown as Logger, calls };
}

function entry(level: logLevel, message: string, error?: string): LogEntry {
  return { namespace: 'Connection', level, label: 'ERROR', log: { timestamp: '', logger: 'kafkajs', message, ...(error ? { error } : {}) } } as LogEntry;
}

test('kafkajs errors stay errors, except the routine CONCURRENT_TRANSACTIONS and UNSTABLE_OFFSET_COMMIT retries, which are debug', () => {
  const { logger, calls } = recordingLogger();
  forwardKafkaLog(logger, entry(logLevel.ERROR, 'Response Produce(key: 0, version: 7)', 'This server is not the leader for that topic-partition'));
  forwardKafkaLog(logger, entry(logLevel.ERROR, 'Response AddPartitionsToTxn(key: 24, version: 1)', 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing'));
  forwardKafkaLog(logger, entry(logLevel.ERROR, 'Failed to send messages: The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing'));
  forwardKafkaLog(logger, entry(logLevel.ERROR, 'Response OffsetFetch(key: 9, version: 7)', 'There are unstable offsets that need to be cleared'));
  forwardKafkaLog(logger, entry(logLevel.WARN, 'group rebalancing'));
  assert.deepEqual(calls, [
    'error:Response Produce(key: 0, version: 7)',
    'debug:Response AddPartitionsToTxn(key: 24, version: 1)',
    'debug:Failed to send messages: The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
    'debug:Response OffsetFetch(key: 9, version: 7)',
    'warn:group rebalancing',
  ]);
});
