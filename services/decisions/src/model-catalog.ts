/**
 * The models the decisions process can score by features alone (the Open Inference Protocol and MLflow
 * routes): the champion scoring serves, and any registered version asked for by path.
 */

/** What the protocol routes need of a model: its features in order and a batch scorer. */
export interface FeatureModel {
  readonly name: string;
  readonly version: number;
  /** Input order of `score`'s columns (the manifest's). */
  readonly featureNames: readonly string[];
  /** Probability of fraud per row; one float32 column per feature, NaN for a missing value. */
  score(columns: readonly Float32Array[], rows: number): Promise<Float32Array>;
}

/** A model held for one request; release it when the answer is written (a hot swap waits for it). */
export interface ModelLease {
  readonly model: FeatureModel;
  release(): void;
}

export interface ModelCatalog {
  /** The registered model's name (the champion's). */
  readonly modelName: string;
  /**
   * The champion when `version` is undefined, else that registered version (loaded on first use and
   * kept). Throws NotFoundError for an unknown name or version, DependencyError while no champion is
   * loaded or the registry cannot be read.
   */
  acquire(name: string, version?: number): Promise<ModelLease>;
  /** True when `acquire(name, version)` would answer now without loading anything. */
  isReady(name: string, version?: number): boolean;
}
