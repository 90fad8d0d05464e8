export type { Tree, PlattCalibration, TreeEnsembleModel, LinearModel, Model } from './tree-ensemble.ts';
export { sigmoid, leafIndex, treeMargin, linearMargin, predictProbability, predictBatch } from './tree-ensemble.ts';
