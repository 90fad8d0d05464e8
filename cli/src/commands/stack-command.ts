import { existsSync } from 'node:fs';
import { AppError } from '@riskstream/shared';
import type { ComponentName } from '../stack/components.ts';
import { localKafkaNodes } from '../stack/kafka.ts';
import { bootstrapServers } from '../stack/kafka-cluster.ts';
import { followFiles, lastLines } from '../stack/log-tail.ts';
import { loadStackConfig } from '../stack/stack-config.ts';
import { Stack, type ComponentOutcome, type ComponentStatus } from '../stack/stack-lifecycle.ts';
import type { Command } from '../command.ts';
import { STACK_HELP, parseStackArgs } from './stack-args.ts';

export interface StackIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface StackCommandOptions {
  /** Ends `stack logs --follow`; defaults to SIGINT/SIGTERM. */
  signal?: AbortSignal;
}

export const stackCommand: Command = {
  name: 'stack',
  summary: 'run the local Kafka, schema registry, Redis, Prometheus and Alertmanager (up|down|status|logs)',
  usage: STACK_HELP,
  run: (args, io) => runStackCommand(args, io),
};

/**
 * `riskstream stack ...` (args exclude the word "stack"). Errors are printed here, so the exit code says
 * it all: 0 ok, 1 a component failed or is unhealthy, 2 bad arguments or configuration.
 */
export async function runStackCommand(args: string[], io: StackIo, options: StackCommandOptions = {}): Promise<number> {
  const write = (stream: NodeJS.WritableStream, text: string) => stream.write(text.endsWith('\n') ? text : `${text}\n`);
  try {
    const command = parseStackArgs(args);
    if (command.kind === 'help') {
      write(io.stdout, command.text);
      return 0;
    }
    const config = loadStackConfig(io.env ?? process.env);
    switch (command.kind) {
      case 'up': {
        const t0 = Date.now();
        const stack = new Stack(config, command.only, command.brokers === undefined ? {} : { brokers: command.brokers });
        const progress = command.quiet ? () => undefined : (name: string, m: string) => write(io.stdout, `${name}: ${m}`);
        const outcomes = await stack.up({ timeoutMs: (command.timeoutSeconds ?? config.startTimeoutSeconds) * 1000, progress });
        const failed = reportFailures(outcomes, io.stderr, write);
        if (!command.quiet && failed === 0) {
          const n = stack.components.length;
          write(io.stdout, `stack: ${n} component${n === 1 ? '' : 's'} healthy in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
          if (stack.kafkaSize > 1 && stack.components.some((c) => c.kind === 'kafka')) {
            write(io.stdout, `stack: Kafka is a ${stack.kafkaSize}-node cluster; clients: KAFKA_BROKERS=${bootstrapServers(localKafkaNodes(config, stack.kafkaSize)).join(',')}`);
          }
        }
        return failed === 0 ? 0 : 1;
      }
      case 'down': {
        const stack = new Stack(config, command.only);
        const progress = command.quiet ? () => undefined : (name: string, m: string) => write(io.stdout, `${name}: ${m}`);
        const outcomes = await stack.down({ purge: command.purge, progress });
        return reportFailures(outcomes, io.stderr, write) === 0 ? 0 : 1;
      }
      case 'status': {
        const statuses = await new Stack(config, command.only).status();
        const healthy = statuses.every((s) => s.healthy);
        write(io.stdout, command.json ? JSON.stringify({ healthy, components: statuses }, null, 2) : formatStatusTable(statuses));
        return healthy ? 0 : 1;
      }
      case 'logs':
        return await printLogs(new Stack(config), command, io, options.signal, write);
    }
  } catch (err) {
    if (err instanceof AppError) {
      write(io.stderr, `riskstream stack: ${err.message}`);
      return err.code === 'USAGE' || err.code === 'CONFIG_INVALID' ? 2 : 1;
    }
    throw err;
  }
}

function reportFailures(
  outcomes: readonly ComponentOutcome[],
  stderr: NodeJS.WritableStream,
  write: (s: NodeJS.WritableStream, t: string) => void,
): number {
  const failed = outcomes.filter((o) => !o.ok);
  for (const o of failed) write(stderr, `error: ${o.error?.message ?? `${o.name}: failed`}`);
  return failed.length;
}

export function formatStatusTable(statuses: readonly ComponentStatus[]): string {
  const rows = [
    ['COMPONENT', 'PID', 'PORT', 'HEALTHY', 'DETAIL'],
    ...statuses.map((s) => [
      s.name,
      s.state === 'managed' ? String(s.pid) : s.state === 'external' ? 'external' : '-',
      String(s.port),
      s.healthy ? 'yes' : 'no',
      s.detail,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

async function printLogs(
  stack: Stack,
  command: { component?: ComponentName; lines: number; follow: boolean },
  io: StackIo,
  signal: AbortSignal | undefined,
  write: (s: NodeJS.WritableStream, t: string) => void,
): Promise<number> {
  const { dir } = stack;
  // A cluster's nodes each have a log; `stack logs kafka` shows them all.
  const names = stack.components.filter((c) => command.component === undefined || c.kind === command.component).map((c) => c.name);
  const prefixed = names.length > 1;
  const width = Math.max(...names.map((n) => n.length));
  const prefix = (name: string) => (prefixed ? `${name.padEnd(width)} | ` : '');
  const files = names.map((name) => ({ name, file: dir.logFile(name) })).filter(({ file }) => existsSync(file));
  if (files.length === 0) {
    write(io.stderr, command.component ? `riskstream stack: no log for ${command.component} at ${dir.logFile(command.component)} (never started by the stack, or external)` : `riskstream stack: no logs in ${dir.logsDir}`);
    return 1;
  }
  for (const { name, file } of files) {
    for (const line of lastLines(file, command.lines)) write(io.stdout, `${prefix(name)}${line}`);
  }
  if (!command.follow) return 0;
  const byFile = new Map(files.map(({ name, file }) => [file, name]));
  const controller = new AbortController();
  const stop = () => controller.abort();
  signal?.addEventListener('abort', stop, { once: true });
  if (!signal) {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  try {
    await followFiles([...byFile.keys()], (file, line) => write(io.stdout, `${prefix(byFile.get(file) ?? '')}${line}`), controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return 0;
}
