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
export { MODEL_REJECTION_REASONS, modelRejectionReason, checkModel, type ModelRejectionReason } from './model-rejection.ts';
export { MISSING_CATEGORY, binIndex, binProportions, categoryKey } from './profile-bins.ts';
export type { ExperimentArm, ExperimentMode, ExperimentSpec } from './experiment.ts';
export { EXPERIMENT_MODES, armIndexFor, experimentBucket, experimentFromRecord, experimentProblems, experimentRecord, parseExperiment } from './experiment.ts';
export type { ModelSelector, ModelAliases, FetchedModel, ModelSource, HttpModelSourceOptions } from './model-source.ts';
export {
  MODEL_REGISTRY_FILES,
  isModelName,
  isModelVersion,
  sha256Hex,
  parseModelAliases,
  DirectoryModelSource,
  HttpModelSource,
  createModelSource,
} from './model-source.ts';
export {
  ONNX_ATTRIBUTE_TYPE,
  ONNX_DATA_TYPE,
  onnxNode,
  intAttr,
  intsAttr,
  floatsAttr,
  stringAttr,
  stringsAttr,
  tensorAttr,
  doubleTensor,
  int64Tensor,
  floatValueInfo,
  emptyFlatTreeEnsemble,
  pushLeafNode,
  pushBranchNode,
  pushTargetWeight,
  treeEnsembleRegressorNode,
  type FlatTreeEnsemble,
} from './onnx-graph.ts';
