import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from './child-service.ts';

/**
 * A private redis-server for tests that stop, kill or restart Redis: its own process on a free port,
 * without persistence (`--save ''`, no AOF), so a restart comes back with empty memory. The shared Redis
 * on 6379 is never touched. Every process it started is killed when the test process exits.
 */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** SIGSTOP: the process holds its connections but answers nothing (a hung node). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** kill -9, then a new process on the same port: the memory is empty. */
  restartEmpty(): Promise<void>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 20_000;

function launch(port: number): ChildProcess {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
    stdio: 'ignore',
  });
  return child;
}

async function waitForPing(port: number): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') return;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer within ${START_TIMEOUT_MS} ms`);
    } finally {
      probe.disconnect();
    }
    await sleep(50);
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child = launch(port);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  await waitForPing(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child.pid!;
    },
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    async restartEmpty() {
      const old = child;
      old.kill('SIGCONT');
      old.kill('SIGKILL');
      await exited(old);
      child = launch(port);
      await waitForPing(port);
    },
    async stop() {
      process.off('exit', killOnExit);
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited(child);
    },
  };
}
