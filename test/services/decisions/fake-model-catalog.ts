import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { PassThrough } from 'node:stream';
import { createHttpServer, createLogger, createMetricsRegistry, DependencyError, listen, NotFoundError, type Logger, type RouteHandler } from '@riskstream/shared';
import type { FeatureModel, ModelCatalog, ModelLease } from '../../../services/decisions/src/model-catalog.ts';

/** The serving protocols' tests score with these features. */
export const FEATURES = ['amount', 'merchant_risk', 'tx_count_1h'];
/** What the fake models score a missing (NaN) value as, so a test can see it arrived as NaN. */
export const MISSING = 7;

/**
 * Scores sum(x_j * 10^j) over the columns in the model's own feature order, so a score shows which value
 * reached which feature: (amount 1, merchant_risk 2, tx_count_1h 3) is 321 for the champion.
 */
export function fakeModel(version: number, featureNames: string[], calls: number[]): FeatureModel {
  return {
    name: 'fraud',
    version,
    featureNames,
    async score(columns, rows) {
      calls.push(rows);
      assert.equal(columns.length, featureNames.length);
      const out = new Float32Array(rows);
      for (let r = 0; r < rows; r++) {
        out[r] = columns.reduce((sum, column, j) => sum + (Number.isNaN(column[r]!) ? MISSING : column[r]!) * 10 ** j, 0);
      }
      return out;
    },
  };
}

/** Champion v3; v2 takes the same features in another order. Counts leases so tests can check release. */
export class FakeCatalog implements ModelCatalog {
  readonly modelName = 'fraud';
  readonly calls: number[] = [];
  champion: FeatureModel | undefined = fakeModel(3, FEATURES, this.calls);
  readonly versions = new Map<number, FeatureModel>([[2, fakeModel(2, [...FEATURES].reverse(), this.calls)]]);
  readonly loaded = new Set<number>();
  readonly asked: { name: string; version: number | undefined }[] = [];
  failWith: Error | undefined;
  acquired = 0;
  released = 0;

  async acquire(name: string, version?: number): Promise<ModelLease> {
    this.asked.push({ name, version });
    if (this.failWith) throw this.failWith;
    if (name !== this.modelName) throw new NotFoundError('model', `no registered model '${name}'`);
    const model = version === undefined ? this.champion : this.versions.get(version) ?? (version === 3 ? this.champion : undefined);
    if (!model) {
      if (version === undefined) throw new DependencyError('model-registry', 'no champion at http://10.1.2.3:5000 yet');
      throw new NotFoundError('model', `${name} has no version ${version}`);
    }
    this.acquired++;
    let released = false;
    return {
      model,
      release: () => {
        assert.ok(!released, 'a lease is released once');
        released = true;
        this.released++;
      },
    };
  }

  isReady(name: string, version?: number): boolean {
    if (name !== this.modelName) return false;
    return version === undefined || version === 3 ? this.champion !== undefined : this.loaded.has(version);
  }
}

export interface Harness {
  readonly base: string;
  readonly catalog: FakeCatalog;
  readonly logs: string[];
}

/** A real HTTP server with the routes `routesFor` builds over a FakeCatalog; every lease must be released. */
export async function harness(t: TestContext, name: string, routesFor: (catalog: FakeCatalog, logger: Logger) => Record<string, RouteHandler>): Promise<Harness> {
  const catalog = new FakeCatalog();
  const logs: string[] = [];
  const destination = new PassThrough();
  destination.on('data', (line: Buffer) => logs.push(line.toString()));
  const logger = createLogger(name, { level: 'error', destination });
  const server = createHttpServer({ registry: createMetricsRegistry(name, { defaultMetrics: false }), routes: routesFor(catalog, logger) });
  const port = await listen(server, 0);
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  t.after(() => assert.equal(catalog.released, catalog.acquired, 'every lease is released'));
  return { base: `http://127.0.0.1:${port}`, catalog, logs };
}
