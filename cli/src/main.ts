import { AppError, UsageError } from '@riskstream/shared';
import type { Command, CommandIo } from './command.ts';
import { stackCommand } from './commands/stack-command.ts';
import { demoCommand } from './commands/demo-command.ts';
import { modelsCommand } from './commands/models-command.ts';
import { simulateCommand } from './commands/simulate-command.ts';
import { trainCommand } from './commands/train-command.ts';
import { servicesCommand } from './commands/services-command.ts';
import { produceCommand } from './commands/produce-command.ts';
import { consumeCommand } from './commands/consume-command.ts';
import { offlineCommand } from './commands/offline-command.ts';
import { scoreCommand } from './commands/score-command.ts';
import { driftCommand } from './commands/drift-command.ts';
import { experimentCommand } from './commands/experiment-command.ts';
import { runsCommand } from './commands/runs-command.ts';
import { uiCommand } from './commands/ui-command.ts';

const COMMANDS: readonly Command[] = [
  stackCommand,
  servicesCommand,
  simulateCommand,
  trainCommand,
  modelsCommand,
  experimentCommand,
  runsCommand,
  scoreCommand,
  produceCommand,
  consumeCommand,
  offlineCommand,
  driftCommand,
  uiCommand,
  demoCommand,
];

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'riskstream: streaming scoring and monitoring for card transactions',
    '',
    'Usage: riskstream <command> [options]   (riskstream <command> --help for details)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`riskstream: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`riskstream ${command.name}: ${err.message}\n\n${command.usage}\n`);
      return 2;
    }
    if (err instanceof AppError) {
      io.stderr.write(`riskstream ${command.name}: [${err.code}] ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
