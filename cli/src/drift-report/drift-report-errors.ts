import { NotFoundError } from '@riskstream/shared';

/** The offline store has no transaction with event time in [from, to). */
export class EmptyWindowError extends NotFoundError {
  readonly root: string;
  readonly fromMs: number;
  readonly toMs: number;
  constructor(root: string, fromMs: number, toMs: number) {
    super(
      'offline rows',
      `no transactions with event time in [${new Date(fromMs).toISOString()}, ${new Date(toMs).toISOString()}) under ${root} (riskstream offline ls lists the partitions)`,
    );
    this.root = root;
    this.fromMs = fromMs;
    this.toMs = toMs;
  }
}

/** The model must score the window (no archived scores of it) but the store lacks some of its inputs. */
export class FeatureColumnsMissingError extends NotFoundError {
  readonly root: string;
  readonly features: readonly string[];
  constructor(root: string, features: readonly string[]) {
    super('feature columns', `the window has no archived scores of the model and ${root} lacks its inputs ${features.join(', ')}, so it cannot be scored`);
    this.root = root;
    this.features = Object.freeze([...features]);
  }
}
