export { FeatureStore } from './feature-store.ts';
export type { FeatureStoreMetrics } from './feature-store.ts';
export {
  encodeEventBatch,
  decodePreState,
  decodeEventReply,
  decodeGeneration,
  degradedSpanDays,
  encodeLabelBatch,
  decodeLabelReply,
} from './store-protocol.ts';
export type {
  StoreEvent,
  EventStatus,
  PreState,
  StoreGeneration,
  StoreLabel,
  LabelOutcome,
  ScriptCall,
  StoreSettings,
} from './store-protocol.ts';
export {
  LAYOUT_VERSION,
  STORE_LAYOUT,
  LONGEST_RETENTION_DAYS,
  customerKey,
  terminalKey,
  snapshotKey,
  labelMarkerKey,
  generationKey,
  decodeEntityValue,
} from './store-layout.ts';
export type { BucketField, AgeSegment, EntityLayout, StoreLayout, EntityState } from './store-layout.ts';
export { LEGACY_LAYOUT, layoutMarkerKey, migrateLegacyLayout } from './legacy-layout.ts';
export type { MigrationResult } from './legacy-layout.ts';
export { LuaScript } from './lua-script.ts';
