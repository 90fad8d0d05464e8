import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '@riskstream/shared';

export interface CommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A CLI command: `run` returns the process exit code; usage errors throw UsageError. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(args: string[], io: CommandIo): Promise<number>;
}

export type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with `--help` always accepted and unknown flags reported as a UsageError. */
export function parseCommandArgs<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * Flags that stand for environment variables (`--port 8089` -> UI_PORT=8089): for the commands that run a
 * service through serviceMain, which reads only variables. `--registry` paths are made absolute. The
 * other arguments are returned for serviceMain to judge (-h, or a usage error).
 */
export function flagsToEnv(
  args: readonly string[],
  base: Readonly<Record<string, string | undefined>>,
  flags: Readonly<Record<string, string>>,
): { env: Record<string, string | undefined>; rest: string[] } {
  const env: Record<string, string | undefined> = { ...base };
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [flag = '', inline] = args[i]!.split(/=(.*)/s);
    const variable = flags[flag];
    if (variable === undefined) {
      rest.push(args[i]!);
      continue;
    }
    const value = inline ?? args[++i];
    if (!value) throw new UsageError(`${flag} needs a value`);
    env[variable] = flag === '--registry' ? resolve(value) : value;
  }
  return { env, rest };
}
