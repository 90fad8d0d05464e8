import { describeConfig, checkConnectionConfig, loadConfig, secretValues, type ConfigOf, type Field, type Schema } from './config.ts';
import { AppError, ConfigError, type ConfigIssue } from './errors.ts';
import { createLogger, redactFromLogs, type Logger } from './logger.ts';
import { kafkaCredentialsRejection } from './kafka-client.ts';
import { onRedisCredentialsRejected } from './redis-client.ts';
import { runService, type HostConfig, type ServiceContext, type ServiceParts } from './service-host.ts';
import { onShutdown, type SignalSource } from './shutdown.ts';

/**
 * The one `main()` of every riskstream service process (each services/<name>/src/main.ts, the trainer,
 * the model server), so that they all answer an operator the same way:
 *
 *   -h, --help    `riskstream <name>: <summary>` and every environment variable, on stdout.
 *   other args    a one-line usage error on stderr (configuration comes from the environment only).
 *   bad config    every problem at once (ConfigError collects them), secret values redacted, no stack.
 *   start-up      an AppError (a dependency unreachable after its retries, credentials Kafka or Redis
 *                 refuse, a bad model...) prints `<name>: <code>: <message>` on stderr; anything else is
 *                 logged with its stack. Redis refusing the credentials later ends the process the same way.
 *   SIGTERM/INT   one drain path (shutdown.ts), installed before start-up so that a signal during start
 *                 stops what has started; a second signal forces the exit.
 *
 * Exit codes, the same for every process (EXIT_CODES):
 *   0  OK      --help; or a signal and a clean drain
 *   1  FAILED  start-up failed; or the drain failed, timed out, or a second signal cut it short
 *   2  USAGE   an argument other than -h/--help, or invalid configuration (also when start-up finds it)
 */
export const EXIT_CODES = { OK: 0, FAILED: 1, USAGE: 2 } as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** What a started process hands back: how to drain it. runService's RunningService is one. */
export interface Stoppable {
  stop(): Promise<void>;
}

/** Every service process declares LOG_LEVEL (connectionSchema.logLevel): serviceMain logs with it. */
export type ServiceMainSchema = Schema & { readonly logLevel: Field<string> };

export interface ServiceMainSpec<S extends ServiceMainSchema> {
  /** The process name: help, error prefixes, logger. */
  readonly name: string;
  /** One line: inputs -> outputs. */
  readonly summary: string;
  readonly schema: S;
  /** Cross-field rules; their issues are reported with the per-field ones. */
  readonly check?: (config: ConfigOf<S>) => ConfigIssue[];
  /** Starts the work; resolves once the process serves. */
  readonly start: (config: ConfigOf<S>) => Promise<Stoppable>;
}

/** Injected by tests; the defaults are the real process. */
export interface ServiceMainDeps {
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WritableStream;
  readonly exit?: (code: ExitCode) => void;
  readonly signals?: SignalSource;
  readonly logger?: Logger;
  readonly shutdownTimeoutMs?: number;
}

export async function serviceMain<S extends ServiceMainSchema>(
  spec: ServiceMainSpec<S>,
  argv: readonly string[] = process.argv.slice(2),
  env: Readonly<Record<string, string | undefined>> = process.env,
  deps: ServiceMainDeps = {},
): Promise<void> {
  const { stdout = process.stdout, stderr = process.stderr, exit = (code: ExitCode) => process.exit(code) } = deps;
  const secrets = secretValues(spec.schema, env);
  const redact = secretRedactor(secrets);
  // Every logger of the process (the service's, kafkajs's forwarded entries, this one) cuts them out.
  redactFromLogs(secrets);
  // The drain and a failing start-up may both want to end the process; the first one decides.
  let exited = false;
  const finish = (code: ExitCode) => {
    if (exited) return;
    exited = true;
    exit(code);
  };
  let logger = deps.logger;
  const log = (level: string) => (logger ??= createLogger(spec.name, { level }));

  if (argv.length > 0) {
    if (argv.length === 1 && (argv[0] === '-h' || argv[0] === '--help')) {
      stdout.write(helpText(spec));
      return finish(EXIT_CODES.OK);
    }
    const arg = argv.find((a) => a !== '-h' && a !== '--help') ?? argv[0];
    stderr.write(redact(`${spec.name}: unexpected argument "${arg}"; the only option is -h/--help, configuration comes from the environment\n`));
    return finish(EXIT_CODES.USAGE);
  }

  let config: ConfigOf<S>;
  try {
    config = loadConfig(spec.schema, env, spec.check);
  } catch (err) {
    return finish(reportFailure(spec.name, err, stderr, redact, log('info')));
  }

  // ServiceMainSchema guarantees the field; ConfigOf cannot see through the generic.
  const level = String(config.logLevel);
  let started: Promise<Stoppable> | undefined;
  onShutdown(
    log(level),
    async () => {
      if (started) await (await started).stop();
    },
    {
      exit: (outcome) => finish(outcome === 'drained' ? EXIT_CODES.OK : EXIT_CODES.FAILED),
      ...(deps.signals ? { signals: deps.signals } : {}),
      ...(deps.shutdownTimeoutMs !== undefined ? { timeoutMs: deps.shutdownTimeoutMs } : {}),
    },
  );
  // Credentials Redis refuses are final whenever they show (its clients connect in the background): the
  // process stops with the error like a failed start-up, instead of retrying commands for ever.
  onRedisCredentialsRejected((err) => finish(reportFailure(spec.name, err, stderr, redact, log(level))));
  try {
    started = spec.start(config);
    await started;
  } catch (err) {
    finish(reportFailure(spec.name, err, stderr, redact, log(level)));
  }
}

export interface HostedServiceSpec<S extends ServiceMainSchema> {
  readonly name: string;
  readonly summary: string;
  readonly schema: S;
  /** The service's own cross-field rules; the connection rules are always added. */
  readonly check?: (config: ConfigOf<S>) => ConfigIssue[];
  readonly build: (ctx: ServiceContext, config: ConfigOf<S>) => Promise<ServiceParts>;
}

/**
 * The spec of a Kafka service hosted by runService (schema spread from serviceSchema()): its name given
 * once, checkConnectionConfig always applied, and signals left to serviceMain.
 */
export function hostedService<S extends ServiceMainSchema>(
  spec: HostedServiceSpec<S> & (ConfigOf<S> extends HostConfig ? unknown : { schema: 'must spread serviceSchema()' }),
): ServiceMainSpec<S> {
  return {
    name: spec.name,
    summary: spec.summary,
    schema: spec.schema,
    check: (c) => [...checkConnectionConfig(c as ConfigOf<S> & HostConfig), ...(spec.check?.(c) ?? [])],
    start: (c) => runService(spec.name, c as ConfigOf<S> & HostConfig, (ctx) => spec.build(ctx, c), { installSignalHandlers: false }),
  };
}

function helpText(spec: { name: string; summary: string; schema: Schema }): string {
  return `riskstream ${spec.name}: ${spec.summary}\n\nEnvironment:\n${describeConfig(spec.schema)}\n`;
}

function reportFailure(name: string, err: unknown, stderr: NodeJS.WritableStream, redact: (s: string) => string, logger: Logger): ExitCode {
  if (err instanceof ConfigError) {
    stderr.write(redact(`${name}: ${err.message}\n`));
    return EXIT_CODES.USAGE;
  }
  // Kafka refusing the credentials, however deep it is wrapped (a dependency error from ensureTopics):
  // said as what it is, so nobody waits for a retry that cannot help.
  const rejected = kafkaCredentialsRejection(err);
  if (rejected) {
    stderr.write(redact(`${name}: ${rejected.code}: ${rejected.message}\n`));
    return EXIT_CODES.FAILED;
  }
  if (err instanceof AppError) {
    // The operator's to fix (start the dependency, fix the model): what and where, not a stack trace.
    stderr.write(redact(`${name}: ${err.code}: ${err.message}\n`));
    return EXIT_CODES.FAILED;
  }
  logger.fatal({ err }, `${name} failed to start`);
  logger.flush?.();
  return EXIT_CODES.FAILED;
}

/**
 * Field parsers quote a bad value back ("must be a URL, got ..."), and a check or a start-up error may
 * quote one too: whatever serviceMain prints has the values of the schema's secret fields (from the
 * variable or its _FILE) cut out.
 */
function secretRedactor(values: readonly string[]): (text: string) => string {
  const secrets = [...values].sort((a, b) => b.length - a.length);
  return (text) => secrets.reduce((out, secret) => out.replaceAll(secret, '<redacted>'), text);
}
