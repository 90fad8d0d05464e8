export type { Tree, PlattCalibration, TreeEnsembleModel, LinearModel, Model } from './tree-ensemble.ts';
export { sigmoid, leafIndex, treeMargin, linearMargin, predictProbability, predictBatch } from './tree-ensemble.ts';
export type {
  ModelKind,
  InputFieldSchema,
  ManifestMetrics,
  NumericProfile,
  CategoricalProfile,
  FeatureProfile,
  ReferenceProfile,
  DecisionThresholds,
  JsonValue,
  ModelManifest,
} from './manifest.ts';
export { ManifestError, validateManifest } from './manifest.ts';
export { MISSING_CATEGORY, binIndex, binProportions, categoryKey } from './profile-bins.ts';
