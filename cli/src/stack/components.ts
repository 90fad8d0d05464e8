import { resolve } from 'node:path';
import { StackError } from '@riskstream/shared';
import type { ArtifactCache } from './artifact-cache.ts';
import type { Health, LaunchSpec } from './process-supervisor.ts';
import type { StackConfig } from './stack-config.ts';
import type { StackDir } from './stack-dir.ts';
import type { SystemPackages } from './system-packages.ts';

/** Checked-in templates and the Maven pom: `cli/stack/`. */
export const ASSETS_DIR = resolve(import.meta.dirname, '..', '..', 'stack');

/** In start order for display; they are started concurrently. */
export const COMPONENT_NAMES = ['kafka', 'schema-registry', 'redis', 'prometheus', 'alertmanager'] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** What a component may use while preparing to start. */
export interface PrepareContext {
  readonly config: StackConfig;
  readonly dir: StackDir;
  readonly cache: ArtifactCache;
  readonly systemPackages: SystemPackages;
  readonly logFile: string;
  /** A progress line, printed as "<component>: <message>" unless --quiet. */
  progress(message: string): void;
}

/**
 * One piece of the local stack. The lifecycle (stack-lifecycle.ts) is the same for all: a live pid file
 * means we manage it; otherwise a healthy probe means someone else runs it ("external") and we leave it
 * alone; otherwise we `prepare`, spawn, and wait for `probe`.
 */
export interface Component {
  /** Its process's name: pid file, log file and state directory (`kafka-2` for a cluster's second node). */
  readonly name: string;
  /** What `--only` and `stack logs` select it by: every node of a Kafka cluster is `kafka`. */
  readonly kind: ComponentName;
  readonly description: string;
  /** Where clients connect; only loopback endpoints can be started by the stack. */
  readonly endpoint: Endpoint;
  /** How clients address it (shown by `stack status`). */
  readonly url: string;
  /** The variable that sets `url`, named in errors ("set KAFKA_BROKERS to another address"). */
  readonly configEnv: string;
  /** SIGTERM grace before SIGKILL on `stack down`. */
  readonly stopGraceMs: number;
  probe(): Promise<Health>;
  /** Downloads, renders config files, formats storage; returns the command to run. */
  prepare(ctx: PrepareContext): Promise<LaunchSpec>;
  /**
   * Called by `stack up` when our process is already running and healthy, so a changed template takes
   * effect without a restart. Returns a progress message when it did something.
   */
  refresh?(ctx: PrepareContext): Promise<string | undefined>;
  /** Called once our process is gone (after `stack down`, or a failed start). */
  afterStop?(dir: StackDir, exitedCleanly: boolean): void;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function endpointOfUrl(url: string): Endpoint {
  const u = new URL(url);
  const defaults: Record<string, number> = { 'http:': 80, 'https:': 443, 'redis:': 6379, 'rediss:': 6379 };
  return { host: u.hostname, port: u.port === '' ? (defaults[u.protocol] ?? 0) : Number(u.port) };
}

/** "host:port" (hostList already validated the shape). */
export function endpointOfHostPort(hostPort: string): Endpoint {
  const i = hostPort.lastIndexOf(':');
  return { host: hostPort.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(hostPort.slice(i + 1)) };
}

/** Replaces every `{{NAME}}` in a checked-in template; an unknown name is a bug in the template. */
export function renderTemplate(
  component: string,
  template: string,
  values: Readonly<Record<string, string | number>>,
): string {
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new StackError(component, `template placeholder {{${name}}} has no value`);
    return String(value);
  });
}
