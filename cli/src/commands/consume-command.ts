import {
  TOPIC_KEYS,
  UsageError,
  checkConnectionConfig,
  connectionSchema,
  createKafka,
  createLogger,
  createSchemaRegistryClient,
  loadConfig,
  TopicCodec,
  topicNames,
  type TopicKey,
} from '@riskstream/shared';
import { randomBytes } from 'node:crypto';
import { parseCommandArgs, type Command } from '../command.ts';

const USAGE = `Usage: riskstream consume [--topic T] [--from-beginning] [--limit N] [--group G]

Reads a topic (read_committed) and prints one JSON object per record, Avro decoded with the schema
registry. T is a topic name (transactions.scored.v1) or catalog key (transactionsScored); default
transactions.scored.v1. Ctrl-C stops.

Options:
  --topic T          topic to read (default transactions.scored.v1)
  --from-beginning   start at the earliest offset (default: only new records)
  --limit N          exit after N records
  --group G          consumer group (default: a fresh one, which commits nothing you care about)
  -h, --help         this help`;

export const consumeCommand: Command = {
  name: 'consume',
  summary: 'print a topic as JSON lines (Avro decoded with the registry)',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      topic: { type: 'string' },
      'from-beginning': { type: 'boolean' },
      limit: { type: 'string' },
      group: { type: 'string' },
    });
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const config = loadConfig({ ...connectionSchema }, io.env, checkConnectionConfig);
    const names = topicNames(io.env['TOPIC_NAMESPACE'] ?? '');
    const wanted = values.topic ?? names.transactionsScored;
    const key = TOPIC_KEYS.find((k) => k === wanted || names[k] === wanted) as TopicKey | undefined;
    if (!key) throw new UsageError(`unknown topic "${wanted}"; one of ${TOPIC_KEYS.map((k) => names[k]).join(', ')}`);
    const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit);
    if (!(limit > 0)) throw new UsageError('--limit must be a positive integer');
    const kafka = createKafka(config, 'consume', createLogger('consume', { level: 'error' }));
    const codec = new TopicCodec(createSchemaRegistryClient(config), names);
    const consumer = kafka.consumer({ groupId: values.group ?? `riskstream-consume-${randomBytes(4).toString('hex')}`, readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic: names[key], fromBeginning: values['from-beginning'] === true });
    let seen = 0;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    process.once('SIGINT', () => done());
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        if (seen >= limit) return;
        let value: unknown;
        try {
          value = key === 'transactionsDlq' ? message.value?.toString('utf8') : await codec.decode(key, message.value);
        } catch (err) {
          value = { undecodable: (err as Error).message };
        }
        const headers = message.headers && Object.keys(message.headers).length > 0
          ? Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, v?.toString()]))
          : undefined;
        io.stdout.write(`${JSON.stringify({ partition, offset: message.offset, key: message.key?.toString(), value, ...(headers ? { headers } : {}) })}\n`);
        if (++seen >= limit) done();
      },
    });
    await finished;
    await consumer.disconnect();
    return 0;
  },
};
