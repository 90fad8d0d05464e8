import type { Command } from '../command.ts';
import { parseCommandArgs } from '../command.ts';
import { runStackCommand } from './stack-command.ts';

const USAGE = `Usage: riskstream demo [--help]

What \`npm start\` runs. Brings the local stack up (Kafka, schema registry, Redis, Prometheus,
Alertmanager) and waits until every component is healthy, then prints the stack status.
The streaming services and simulated traffic join the demo with the pipeline issue.`;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'bring the stack up and run the end-to-end demo (npm start)',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {});
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const up = await runStackCommand(['up'], io);
    if (up !== 0) return up;
    await runStackCommand(['status'], io);
    io.stdout.write(
      '\nThe stack is up. Services and simulated traffic are not part of the demo yet.\n' +
        'Stop the stack with: npx riskstream stack down\n',
    );
    return 0;
  },
};
