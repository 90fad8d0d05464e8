import { connect } from 'node:net';
import { rmSync } from 'node:fs';
import { StackError } from '@riskstream/shared';
import { ArtifactCache } from './artifact-cache.ts';
import { isLoopback, type Component, type ComponentName, type Endpoint, type PrepareContext } from './components.ts';
import { kafkaComponents } from './kafka.ts';
import { resolveClusterSize, type ClusterSize } from './kafka-cluster.ts';
import { lastLines } from './log-tail.ts';
import { removePidFile, isOurs } from './pid-file.ts';
import { managedState, rotateLog, spawnDetached, stopManaged, stopProcess, waitForHealth } from './process-supervisor.ts';
import { alertmanagerComponent, prometheusComponent } from './prometheus.ts';
import { redisComponent } from './redis.ts';
import { schemaRegistryComponent } from './schema-registry.ts';
import type { StackConfig } from './stack-config.ts';
import { StackDir } from './stack-dir.ts';
import { withStackLock } from './stack-lock.ts';
import { SystemPackages } from './system-packages.ts';

export type Progress = (component: string, message: string) => void;

export interface ComponentStatus {
  readonly name: string;
  readonly kind: ComponentName;
  readonly description: string;
  readonly url: string;
  readonly port: number;
  /** managed: started by `stack up` (pid set); external: someone else's, left alone; stopped: neither. */
  readonly state: 'managed' | 'external' | 'stopped';
  readonly pid: number | null;
  readonly healthy: boolean;
  readonly detail: string;
  readonly logFile: string | null;
}

export interface ComponentOutcome {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: StackError;
}

export function declareComponents(config: StackConfig, kafkaSize: ClusterSize = 1): Component[] {
  return [
    ...kafkaComponents(config, kafkaSize),
    schemaRegistryComponent(config),
    redisComponent(config),
    prometheusComponent(config),
    alertmanagerComponent(config),
  ];
}

/**
 * The local stack: status, up and down over the declared components. Components are independent (the
 * registry keeps schemas in its own H2 file, not in Kafka), so every operation runs them concurrently.
 */
export class Stack {
  readonly config: StackConfig;
  readonly dir: StackDir;
  readonly components: readonly Component[];
  /** Kafka nodes: what `stack up --brokers` asked for, else what this stack dir recorded, else 1. */
  readonly kafkaSize: ClusterSize;
  readonly #cache: ArtifactCache;
  readonly #systemPackages: SystemPackages;

  /** Throws StackError when `options.brokers` asks to resize a cluster this stack dir already formatted. */
  constructor(config: StackConfig, only?: readonly ComponentName[], options: { brokers?: ClusterSize } = {}) {
    this.config = config;
    this.dir = new StackDir(config.stackDir);
    this.#cache = new ArtifactCache(config.cacheDir);
    this.#systemPackages = new SystemPackages(this.dir.logFile('system-packages'));
    this.kafkaSize = resolveClusterSize(this.dir, options.brokers);
    const all = declareComponents(config, this.kafkaSize);
    this.components = only ? all.filter((c) => only.includes(c.kind)) : all;
  }

  async status(): Promise<ComponentStatus[]> {
    return Promise.all(this.components.map((c) => this.#statusOf(c)));
  }

  async #statusOf(c: Component): Promise<ComponentStatus> {
    const state = managedState(this.dir.pidFile(c.name));
    const health = await c.probe();
    const base = { name: c.name, kind: c.kind, description: c.description, url: c.url, port: c.endpoint.port };
    if (state.kind === 'running') {
      return { ...base, state: 'managed', pid: state.record.pid, healthy: health.healthy, detail: health.detail, logFile: this.dir.logFile(c.name) };
    }
    const detail = state.kind === 'stale' ? `${health.detail} (stale pid file: ${state.record.pid} is gone)` : health.detail;
    return { ...base, state: health.healthy ? 'external' : 'stopped', pid: null, healthy: health.healthy, detail, logFile: null };
  }

  /**
   * Idempotent: healthy components (ours from an earlier run, or external ones) are left alone, missing ones
   * are started. Never throws for a component failure; each outcome says what went wrong.
   */
  async up(options: { timeoutMs: number; progress: Progress }): Promise<ComponentOutcome[]> {
    this.dir.ensure();
    return withStackLock(this.dir.lockFile, () => this.#up(options), {
      timeoutMs: options.timeoutMs,
      onWait: (pid) => options.progress('stack', `waiting for another stack command (pid ${pid}) to finish`),
    });
  }

  async #up(options: { timeoutMs: number; progress: Progress }): Promise<ComponentOutcome[]> {
    const outcomes = await Promise.all(
      this.components.map((c) =>
        this.#upOne(c, options.timeoutMs, options.progress).then(
          (): ComponentOutcome => ({ name: c.name, ok: true }),
          (err: unknown): ComponentOutcome => ({ name: c.name, ok: false, error: asStackError(c.name, err) }),
        ),
      ),
    );
    // kcat has no process; later tests expect it on PATH.
    const packages = await this.#systemPackages.ensure((m) => options.progress('system-packages', m)).then(
      (): ComponentOutcome => ({ name: 'system-packages', ok: true }),
      (err: unknown): ComponentOutcome => ({ name: 'system-packages', ok: false, error: asStackError('system-packages', err) }),
    );
    // A component whose prepare step needed the packages already reported this very error.
    const alreadyReported = outcomes.some((o) => o.error !== undefined && o.error === packages.error);
    return packages.ok || alreadyReported ? outcomes : [...outcomes, packages];
  }

  async #upOne(c: Component, timeoutMs: number, progress: Progress): Promise<void> {
    const say = (m: string) => progress(c.name, m);
    const pidFile = this.dir.pidFile(c.name);
    const logFile = this.dir.logFile(c.name);
    const ctx: PrepareContext = {
      config: this.config,
      dir: this.dir,
      cache: this.#cache,
      systemPackages: this.#systemPackages,
      logFile,
      progress: say,
    };
    const state = managedState(pidFile);
    if (state.kind === 'running') {
      const { record } = state;
      const health = await c.probe();
      if (!health.healthy) {
        // Most likely an earlier `stack up` was interrupted while this was starting.
        say(`running (pid ${record.pid}) but not healthy yet; waiting`);
        const t0 = Date.now();
        const outcome = await waitForHealth(c.probe, {
          timeoutMs,
          exitStatus: () => (isOurs(record) ? undefined : 'exited'),
        });
        if (!outcome.ok) throw this.#failure(c, outcome.reason === 'exited' ? 'exited' : `not healthy after ${seconds(timeoutMs)}`, outcome.health.detail);
        say(`healthy in ${seconds(Date.now() - t0)} (pid ${record.pid})`);
        return;
      }
      const refreshed = await c.refresh?.(ctx);
      say(`already running (pid ${record.pid})${refreshed ? `; ${refreshed}` : ''}`);
      return;
    }
    if (state.kind === 'stale') removePidFile(pidFile);

    const before = await c.probe();
    if (before.healthy) {
      say(`external at ${c.url}, not managed by the stack`);
      return;
    }
    if (!isLoopback(c.endpoint.host)) {
      throw new StackError(c.name, `not reachable at ${c.url} (${before.detail}); the stack only starts components on this machine (${c.configEnv})`);
    }
    if (await acceptsConnections(c.endpoint)) {
      throw new StackError(
        c.name,
        `port ${c.endpoint.port} is taken by a process that does not answer as ${c.name} (${before.detail}); stop it or point ${c.configEnv} elsewhere`,
      );
    }

    rotateLog(logFile);
    const spec = await c.prepare(ctx);
    say('starting');
    const t0 = Date.now();
    const started = await spawnDetached(spec, logFile, pidFile).catch((err: unknown) => {
      throw new StackError(c.name, `could not start ${spec.command}: ${(err as Error).message}`, err);
    });
    const outcome = await waitForHealth(c.probe, { timeoutMs, exitStatus: started.exitStatus });
    if (outcome.ok) {
      say(`healthy in ${seconds(Date.now() - t0)} (pid ${started.record.pid})`);
      return;
    }
    // Leave nothing half-started behind: the next `stack up` starts from a clean slate.
    await stopProcess(started.record.pid, c.stopGraceMs);
    removePidFile(pidFile);
    c.afterStop?.(this.dir, false);
    const why = outcome.reason === 'exited' ? (outcome.exit ?? 'exited') : `not healthy after ${seconds(timeoutMs)}, stopped it`;
    throw this.#failure(c, why, outcome.health.detail);
  }

  #failure(c: Component, why: string, detail: string): StackError {
    const logFile = this.dir.logFile(c.name);
    const tail = lastLines(logFile, 12).map((l) => `    ${l}`);
    return new StackError(c.name, [`${why} (last probe: ${detail}); log: ${logFile}`, ...tail].join('\n'));
  }

  /** Stops what `stack up` started, by pid; external components are never touched. */
  async down(options: { purge: boolean; progress: Progress }): Promise<ComponentOutcome[]> {
    this.dir.ensure();
    return withStackLock(this.dir.lockFile, () => this.#down(options), {
      timeoutMs: 300_000,
      onWait: (pid) => options.progress('stack', `waiting for another stack command (pid ${pid}) to finish`),
    });
  }

  async #down(options: { purge: boolean; progress: Progress }): Promise<ComponentOutcome[]> {
    return Promise.all(
      this.components.map((c) =>
        this.#downOne(c, options.purge, (m) => options.progress(c.name, m)).then(
          (): ComponentOutcome => ({ name: c.name, ok: true }),
          (err: unknown): ComponentOutcome => ({ name: c.name, ok: false, error: asStackError(c.name, err) }),
        ),
      ),
    );
  }

  async #downOne(c: Component, purge: boolean, say: (m: string) => void): Promise<void> {
    const t0 = Date.now();
    const stopped = await stopManaged(this.dir.pidFile(c.name), c.stopGraceMs);
    if (stopped === undefined) {
      const health = await c.probe();
      if (health.healthy) {
        say('external, left alone');
        return;
      }
      say('not running');
    } else if (stopped.outcome === 'not running') {
      say(`not running (removed stale pid file of ${stopped.pid})`);
    } else {
      say(`stopped pid ${stopped.pid} in ${seconds(Date.now() - t0)}${stopped.outcome === 'killed' ? ' (SIGKILL after grace period)' : ''}`);
    }
    if (stopped !== undefined) c.afterStop?.(this.dir, stopped.outcome === 'terminated');
    if (purge) {
      rmSync(this.dir.componentDirPath(c.name), { recursive: true, force: true });
      say('data removed');
    }
  }
}

function asStackError(component: string, err: unknown): StackError {
  if (err instanceof StackError) return err;
  return new StackError(component, err instanceof Error ? err.message : String(err), err);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** A TCP connect that succeeds means something owns the port, even if it is not what we expected. */
function acceptsConnections(e: Endpoint): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: e.host === 'localhost' ? '127.0.0.1' : e.host, port: e.port, timeout: 500 });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
