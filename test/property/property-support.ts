/**
 * Shared parts of the bad-input property tests: the run size, a per-case stopwatch (every case must be
 * answered within CASE_BUDGET_MS), an in-memory HTTP request/response pair for calling route handlers
 * without a socket, and a stand-in for the schema registry's read API on a local port.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import type { TestContext } from 'node:test';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import fc from 'fast-check';
import { listen, readSchemaFile } from '@riskstream/shared';
import { freePort, waitFor } from '../support/child-service.ts';

/** The floor: at least 10,000 generated cases per decoder or validator. */
export const NUM_RUNS = 10_000;
/** The ceiling for one bad input, from arrival to its typed refusal. */
export const CASE_BUDGET_MS = 100;

/**
 * A case slower than this in wall time is a hang. Generous: on this shared 2-core machine (load 10-14 while
 * other suites and the soak run) a 10 ms case was seen to take 650 ms of wall time.
 */
export const CASE_WALL_LIMIT_MS = 5_000;

/**
 * Times every case of a property: `max` is the slowest case's main-thread CPU time in ms (what the input
 * costs the process; other processes on this shared 2-core machine stretch wall time, not this), and
 * `maxWall` the slowest wall time.
 */
export class CaseClock {
  max = 0;
  maxWall = 0;
  cases = 0;
  #cpu = { user: 0, system: 0 };
  #wall = 0;
  start(): void {
    this.#cpu = process.threadCpuUsage();
    this.#wall = performance.now();
  }
  stop(): void {
    const cpu = process.threadCpuUsage(this.#cpu);
    this.record((cpu.user + cpu.system) / 1000, performance.now() - this.#wall);
  }
  record(cpuMs: number, wallMs: number): void {
    this.cases++;
    if (cpuMs > this.max) this.max = cpuMs;
    if (wallMs > this.maxWall) this.maxWall = wallMs;
  }
  async time<T>(fn: () => Promise<T> | T): Promise<T> {
    this.start();
    try {
      return await fn();
    } finally {
      this.stop();
    }
  }
}

/**
 * Runs an async property NUM_RUNS times (a failure prints fast-check's seed and path to replay it) and
 * asserts the slowest case stayed under the budget. The first case is not timed: it pays module warm-up
 * (JIT, first registry lookup), which a running service has paid at start.
 */
export async function assertTimedProperty<Ts extends [unknown, ...unknown[]]>(
  name: string,
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  check: (...args: Ts) => Promise<void> | void,
  options: { numRuns?: number; diagnostic?: (message: string) => void; clock?: CaseClock } = {},
): Promise<CaseClock> {
  // With a clock of its own, the check times the part that is the input's handling (not its generation
  // or a reference run) and the whole case is not timed here.
  const clock = options.clock ?? new CaseClock();
  let warm = false;
  let slowest: Ts | undefined;
  const timed = async (args: Ts) => {
    if (options.clock) await check(...args);
    else await clock.time(() => check(...args));
  };
  const property = fc.asyncProperty(...arbitraries, async (...args: Ts) => {
    if (!warm && !options.clock) {
      warm = true;
      await check(...args);
      return;
    }
    const before = clock.max;
    await timed(args);
    if (clock.max > before) slowest = args;
  });
  await fc.assert(property, { numRuns: options.numRuns ?? NUM_RUNS });
  options.diagnostic?.(`${name}: ${clock.cases} timed cases, slowest ${clock.max.toFixed(2)} ms CPU, ${clock.maxWall.toFixed(2)} ms wall`);
  const cpuMs = clock.max >= CASE_BUDGET_MS && slowest ? await fastestOf(RETIMES, () => timed(slowest!), clock) : clock.max;
  assert.ok(cpuMs < CASE_BUDGET_MS, `${name}: slowest case took ${cpuMs.toFixed(1)} ms of CPU each of ${RETIMES} times again (budget ${CASE_BUDGET_MS} ms)`);
  assert.ok(clock.maxWall < CASE_WALL_LIMIT_MS, `${name}: slowest case took ${clock.maxWall.toFixed(1)} ms (a hang; limit ${CASE_WALL_LIMIT_MS} ms)`);
  return clock;
}

/**
 * A case over the budget is timed again: a garbage collection or a burst of load on this shared machine
 * lands in one case's CPU time now and then, while an input that really costs that much costs it every time.
 */
const RETIMES = 3;

async function fastestOf(times: number, run: () => Promise<void>, clock: CaseClock): Promise<number> {
  const { max, maxWall } = clock;
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < times; i++) {
    clock.max = 0;
    await run();
    fastest = Math.min(fastest, clock.max);
  }
  Object.assign(clock, { max, maxWall });
  return fastest;
}

/** What a route handler answered. */
export interface CapturedReply {
  status: number;
  headers: Record<string, string | number | readonly string[]>;
  body: string;
  json(): Record<string, unknown>;
}

/**
 * A request as a route handler sees it (headers, a readable body in the given chunks) and a response that
 * records the answer. `reply` resolves when the handler ends the response.
 */
export function inMemoryExchange(method: string, url: string, headers: IncomingHttpHeaders, chunks: readonly Buffer[]): {
  req: IncomingMessage;
  res: ServerResponse;
  reply: Promise<CapturedReply>;
} {
  const body = new PassThrough();
  const req = Object.assign(body, { method, url, headers }) as unknown as IncomingMessage;
  const captured: CapturedReply = {
    status: 0,
    headers: {},
    body: '',
    json() {
      return JSON.parse(this.body) as Record<string, unknown>;
    },
  };
  let resolveReply!: (r: CapturedReply) => void;
  const reply = new Promise<CapturedReply>((resolve) => (resolveReply = resolve));
  const res = {
    headersSent: false,
    statusCode: 200,
    setHeader(name: string, value: string | number | readonly string[]) {
      captured.headers[name.toLowerCase()] = value;
      return res;
    },
    getHeader(name: string) {
      return captured.headers[name.toLowerCase()];
    },
    writeHead(status: number, h: Record<string, string | number> = {}) {
      captured.status = status;
      for (const [k, v] of Object.entries(h)) captured.headers[k.toLowerCase()] = v;
      res.headersSent = true;
      return res;
    },
    write(chunk: string | Buffer) {
      captured.body += chunk.toString();
      return true;
    },
    end(chunk?: string | Buffer) {
      if (!res.headersSent) res.writeHead(res.statusCode);
      if (chunk !== undefined) captured.body += chunk.toString();
      resolveReply(captured);
      return res;
    },
  };
  for (const chunk of chunks) body.write(chunk);
  body.end();
  return { req, res: res as unknown as ServerResponse, reply };
}

/**
 * The registry's read side (GET /schemas/ids/{id}) for the real @kafkajs/confluent-schema-registry client:
 * the ids given map to our schema files, any other id is a 404, as Confluent and Apicurio answer.
 */
export async function localSchemaRegistry(schemas: Readonly<Record<number, string>>): Promise<{ client: SchemaRegistry; server: Server; lookups: () => number }> {
  let lookups = 0;
  const server = createServer((req, res) => {
    lookups++;
    const id = /^\/schemas\/ids\/(\d+)/.exec(req.url ?? '')?.[1];
    const name = id === undefined ? undefined : schemas[Number(id)];
    res.setHeader('content-type', 'application/vnd.schemaregistry.v1+json');
    if (name === undefined) {
      res.statusCode = 404;
      res.end(JSON.stringify({ error_code: 40403, message: 'Schema not found' }));
      return;
    }
    res.end(JSON.stringify({ schema: readSchemaFile(name) }));
  });
  server.keepAliveTimeout = 60_000;
  const port = await listen(server, 0);
  return { client: new SchemaRegistry({ host: `http://127.0.0.1:${port}`, retry: { retries: 0 } }), server, lookups: () => lookups };
}

/** Confluent framing: magic byte 0, a big-endian schema id, the Avro body. */
export function confluentFrame(schemaId: number, avro: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, avro]);
}

/** JSON nested `depth` levels deep (arrays or objects), the shape that breaks recursive parsers. */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Characters that must never pass as part of an id: C0/C1 controls, DEL, format and separator marks. */
export const FORBIDDEN_ID_CHARS = ['\u0000', '\u0007', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u200b', '\u200e', '\u2028', '\u2029', '\ufeff', '\ud800'];

/**
 * A Redis server of the test's own on a free port, stopped after the test: the stack's shared Redis also
 * holds other suites' and the soak's keys (gigabytes), and a fresh feature-store prefix is migrated with a
 * SCAN over all of them, which the guards and DLQ checks have nothing to do with.
 */
export async function privateRedis(t: TestContext): Promise<string> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  t.after(() => {
    child.kill('SIGKILL');
  });
  await waitFor('private redis', () => new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true))).once('error', () => resolve(false));
  }), 10_000, 50);
  return `redis://127.0.0.1:${port}`;
}
