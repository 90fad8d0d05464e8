import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from '@riskstream/shared';
import { endpointOfUrl, type Component, type PrepareContext } from './components.ts';
import { ClassDataArchive, javaCommand } from './jvm.ts';
import { allHealthy, basicAuth, probeHttp } from './http-probe.ts';
import { runLogged } from './logged-command.ts';
import type { Health, LaunchSpec } from './process-supervisor.ts';
import type { StackConfig } from './stack-config.ts';

/**
 * 3.0.9 is the newest Apicurio release published on Maven Central as a runnable app (the 3.1 line is not);
 * it runs on Java 17 and serves the Confluent-compatible API our serde uses at /apis/ccompat/v7.
 */
export const APICURIO_VERSION = '3.0.9';
const CACHE_ENTRY = `apicurio-registry-${APICURIO_VERSION}`;
const ARTIFACT = `io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`;
const RUNNER_JAR = `apicurio-registry-app-${APICURIO_VERSION}-runner.jar`;
// The registry is hit once per schema per producer start, so start-up time matters more than peak
// throughput: C1 only and the serial GC halve its start on a 2-core machine (5.4 s -> 2.4-3.2 s measured).
const JVM_FLAGS = ['-Xmx512m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-XX:+ExitOnOutOfMemoryError'];

export function schemaRegistryComponent(config: StackConfig): Component {
  const endpoint = endpointOfUrl(config.schemaRegistryUrl);
  return {
    name: 'schema-registry',
    kind: 'schema-registry',
    description: `Apicurio Registry ${APICURIO_VERSION} (Confluent-compatible API)`,
    endpoint,
    url: config.schemaRegistryUrl,
    configEnv: 'SCHEMA_REGISTRY_URL',
    stopGraceMs: 15_000,
    probe: () => probeSchemaRegistry(config),
    prepare: (ctx) => prepareSchemaRegistry(ctx, endpoint.port),
    afterStop: (dir, exitedCleanly) =>
      new ClassDataArchive(dir.componentDirPath('schema-registry'), javaCommand(config), JVM_FLAGS).settle(exitedCleanly),
  };
}

/** Ready (Quarkus health) and the ccompat API answers: producers need the latter, not just a live JVM. */
export function probeSchemaRegistry(config: StackConfig): Promise<Health> {
  const headers = basicAuth(config.schemaRegistryUsername, config.schemaRegistryPassword);
  const origin = new URL(config.schemaRegistryUrl).origin;
  return allHealthy([
    probeHttp(`${origin}/health/ready`, { headers }),
    probeHttp(`${config.schemaRegistryUrl}/subjects`, { headers }),
  ]);
}

async function prepareSchemaRegistry(ctx: PrepareContext, port: number): Promise<LaunchSpec> {
  const { cache, config, dir } = ctx;
  if (!cache.has(CACHE_ENTRY)) ctx.progress('downloading the Apicurio app with Maven (~110 MB, first run)');
  const home = await cache.ensure(CACHE_ENTRY, async (scratch) => {
    await cache.maven('schema-registry', ['dependency:copy', `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${scratch}`], ctx.logFile);
    // ~/.m2 keeps the tarball; the cache keeps only the unpacked app.
    const tarball = readdirSync(scratch).find((f) => f.endsWith('.tar.gz'));
    if (!tarball) throw new StackError('schema-registry', `Maven did not produce ${ARTIFACT}; see ${ctx.logFile}`);
    ctx.progress('unpacking');
    await runLogged('schema-registry', 'tar', ['-xzf', tarball], { logFile: ctx.logFile, cwd: scratch });
    rmSync(join(scratch, tarball));
  });
  const dataDir = dir.componentDir('schema-registry');
  const java = javaCommand(config);
  return {
    command: java,
    args: [
      ...JVM_FLAGS,
      ...new ClassDataArchive(dataDir, java, JVM_FLAGS).flags(),
      `-Dquarkus.http.port=${port}`,
      '-Dquarkus.http.host=127.0.0.1',
      // The default is an in-memory H2 that forgets every schema on restart while Kafka keeps the messages
      // that reference their ids; a file next to Kafka's data keeps the two consistent.
      `-Dapicurio.datasource.url=jdbc:h2:file:${join(dataDir, 'registry')};DB_CLOSE_ON_EXIT=FALSE`,
      // Our own health probe lists subjects every 250 ms while starting; keep it out of the access log.
      `-Dquarkus.http.access-log.exclude-pattern=/health/.*|${new URL(config.schemaRegistryUrl).pathname.replace(/\/+$/, '')}/subjects`,
      '-jar',
      join(home, RUNNER_JAR),
    ],
    cwd: dataDir,
  };
}
