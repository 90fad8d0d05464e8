import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { StackError } from '@riskstream/shared';
import { lastLines } from './log-tail.ts';

/**
 * Runs a one-shot tool (mvn, tar, the Kafka storage formatter, apt) to completion with its output appended
 * to the component's log file, so the terminal stays readable and a failure still leaves evidence behind.
 * A failure throws a StackError that names the log and quotes its last lines.
 */
export async function runLogged(
  component: string,
  command: string,
  args: readonly string[],
  options: { logFile: string; cwd?: string; env?: Readonly<Record<string, string>> },
): Promise<void> {
  const fd = openSync(options.logFile, 'a');
  writeSync(fd, `\n$ ${command} ${args.join(' ')}\n`);
  try {
    const outcome = await new Promise<string | undefined>((resolve, reject) => {
      const child = spawn(command, [...args], {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        stdio: ['ignore', fd, fd],
      });
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        resolve(code === 0 ? undefined : signal ? `killed by ${signal}` : `exited with code ${code}`);
      });
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new StackError(component, `${command} not found on PATH`, err);
      throw new StackError(component, `could not run ${command}: ${err.message}`, err);
    });
    if (outcome !== undefined) {
      const tail = lastLines(options.logFile, 15).map((l) => `    ${l}`).join('\n');
      throw new StackError(component, `${command} ${outcome}; see ${options.logFile}\n${tail}`);
    }
  } finally {
    closeSync(fd);
  }
}
