import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { waitFor } from './child-service.ts';

/**
 * A private instance of a Debian binary (Prometheus, Alertmanager) for a test: started in its own
 * directory, ready once `<url>/-/ready` answers, its output kept for failure messages, stopped with
 * SIGTERM (its directory removed) and killed if the test process exits first.
 */
export interface ReadyBinary {
  log(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export async function startReadyBinary(name: string, bin: string, args: readonly string[], o: { cwd: string; url: string; root: string }): Promise<ReadyBinary> {
  let output = '';
  const child = spawn(bin, [...args], { cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(
    `private ${name} at ${o.url}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${output}`);
      return (await fetch(`${o.url}/-/ready`).catch(() => undefined))?.ok === true;
    },
    30_000,
    200,
  );
  return {
    log: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      running.delete(child);
      rmSync(o.root, { recursive: true, force: true });
    },
  };
}
