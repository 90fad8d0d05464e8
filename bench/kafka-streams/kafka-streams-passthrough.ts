/**
 * Runs the Kafka Streams exactly-once-v2 3-hop pass-through (PassThrough.java) as a child JVM, building
 * its fat jar with Maven on first use. A reference point for our own pipeline's latency and throughput.
 */
import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface StreamsPassThroughOptions {
  brokers: string;
  applicationId: string;
  topics: readonly [string, string, string, string];
  commitIntervalMs: number;
  threads?: number;
}

export interface RunningStreams {
  readonly pid: number;
  stop(): Promise<void>;
}

const HERE = import.meta.dirname;
const JAR = join(HERE, 'target', 'kafka-streams-passthrough.jar');
const TAIL_LINES = 40;
// A cold JVM plus the first group join takes a few seconds; far longer means something is wrong.
const START_TIMEOUT_MS = 90_000;
// PassThrough closes with a 30 s timeout; past that the JVM is stuck.
const STOP_TIMEOUT_MS = 40_000;
// Small, because the broker and the bench share the machine's two cores and a pass-through holds little.
const JVM_ARGS = ['-Xms64m', '-Xmx256m'];

class Tail {
  private readonly lines: string[] = [];
  push(line: string): void {
    // Maven's console still emits colour resets in batch mode.
    this.lines.push(line.replace(/\x1b\[[0-9;]*m/g, ''));
    if (this.lines.length > TAIL_LINES) this.lines.shift();
  }
  toString(): string {
    return this.lines.length ? this.lines.map((l) => `  | ${l}`).join('\n') : '  | (no output)';
  }
}

async function newestSourceMtime(): Promise<number> {
  let newest = (await stat(join(HERE, 'pom.xml'))).mtimeMs;
  for (const entry of await readdir(join(HERE, 'src'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

async function jarIsFresh(): Promise<boolean> {
  const jar = await stat(JAR).catch(() => undefined);
  return jar !== undefined && jar.mtimeMs >= (await newestSourceMtime());
}

function runMaven(): Promise<void> {
  return new Promise((resolve, reject) => {
    const tail = new Tail();
    const mvn = spawn('mvn', ['-B', '--no-transfer-progress', '-Dstyle.color=never', '-f', join(HERE, 'pom.xml'), 'package'], { cwd: HERE, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [mvn.stdout, mvn.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        tail.push(line);
        // One line per plugin execution is enough to show the build is moving.
        if (line.startsWith('[INFO] --- ')) process.stderr.write(`kafka-streams build: ${line.slice(11)}\n`);
      });
    }
    mvn.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT'
        ? new Error('Maven (mvn) is not on PATH: the Kafka Streams reference needs Maven 3.8+ and Java 17+ to build (apt-get install maven openjdk-17-jdk-headless)')
        : err);
    });
    mvn.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`Maven build of the Kafka Streams pass-through failed (exit ${code}); last lines:\n${tail}`));
    });
  });
}

let building: Promise<string> | undefined;

/** Builds the fat jar if it is missing or older than pom.xml or src/; returns its path. */
export async function buildStreamsPassThrough(): Promise<string> {
  // Concurrent callers share one build rather than racing Maven on the same target/.
  building ??= (async () => {
    if (await jarIsFresh()) return JAR;
    process.stderr.write('kafka-streams build: building the pass-through jar with Maven (the first build downloads ~80 MB into ~/.m2)\n');
    const started = Date.now();
    await runMaven();
    if (!(await jarIsFresh())) throw new Error(`Maven reported success but ${JAR} is missing or stale`);
    process.stderr.write(`kafka-streams build: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return JAR;
  })().finally(() => {
    building = undefined;
  });
  return building;
}

/** Builds the jar if needed, starts the JVM and resolves once Kafka Streams reports RUNNING. */
export async function startStreamsPassThrough(options: StreamsPassThroughOptions): Promise<RunningStreams> {
  const threads = options.threads ?? 1;
  if (options.topics.length !== 4) throw new Error('startStreamsPassThrough: topics needs exactly four names');
  if (!Number.isInteger(options.commitIntervalMs) || options.commitIntervalMs < 0) throw new Error(`startStreamsPassThrough: bad commitIntervalMs ${options.commitIntervalMs}`);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`startStreamsPassThrough: bad threads ${threads}`);

  const jar = await buildStreamsPassThrough();
  const args = [
    ...JVM_ARGS, '-jar', jar,
    '--bootstrap-servers', options.brokers,
    '--application-id', options.applicationId,
    '--topics', options.topics.join(','),
    '--commit-interval-ms', String(options.commitIntervalMs),
    '--num-stream-threads', String(threads),
  ];
  const jvm = spawn('java', args, { cwd: HERE, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderrTail = new Tail();
  let running = false;
  let stopping = false;
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => jvm.once('close', () => resolve()));
  // An orphaned JVM would keep consuming the topics (and the cores) after the bench has gone.
  const killOnExit = () => jvm.kill('SIGKILL');
  process.once('exit', killOnExit);

  createInterface({ input: jvm.stderr }).on('line', (line) => {
    stderrTail.push(line);
    // Startup chatter only matters when startup fails; after RUNNING, warnings concern the measurement.
    if (running) process.stderr.write(`[kafka-streams ${options.applicationId}] ${line}\n`);
  });

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      jvm.kill('SIGKILL');
      reject(new Error(`Kafka Streams pass-through did not reach RUNNING within ${START_TIMEOUT_MS / 1000} s; stderr tail:\n${stderrTail}`));
    }, START_TIMEOUT_MS);
    createInterface({ input: jvm.stdout }).on('line', (line) => {
      if (line.trim() === 'RUNNING' && !running) {
        running = true;
        clearTimeout(timer);
        resolve();
      }
    });
    jvm.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      process.removeListener('exit', killOnExit);
      reject(err.code === 'ENOENT' ? new Error('java is not on PATH: the Kafka Streams reference needs Java 17+') : err);
    });
    // 'close' rather than 'exit': it comes after stderr is drained, so the tail holds the JVM's last words.
    jvm.once('close', (code, signal) => {
      exited = true;
      process.removeListener('exit', killOnExit);
      if (!running) {
        clearTimeout(timer);
        reject(new Error(`Kafka Streams pass-through exited (${signal ?? `code ${code}`}) before RUNNING; stderr tail:\n${stderrTail}`));
      } else if (!stopping) {
        process.stderr.write(`[kafka-streams ${options.applicationId}] JVM exited unexpectedly (${signal ?? `code ${code}`})\n`);
      }
    });
  });

  return {
    pid: jvm.pid!,
    async stop() {
      if (exited) return exitedPromise;
      stopping = true;
      jvm.kill('SIGTERM');
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        jvm.kill('SIGKILL');
      }, STOP_TIMEOUT_MS);
      await exitedPromise;
      clearTimeout(timer);
      if (killed) throw new Error(`Kafka Streams pass-through did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM and was killed; stderr tail:\n${stderrTail}`);
    },
  };
}
