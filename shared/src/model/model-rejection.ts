import { ModelError, ModelRejectedError } from '../errors.ts';

/**
 * Every reason a model artifact is refused before serving: the `reason` label of
 * scoring_model_rejected_total (and of the decisions service's loads), and the log field. Codes are stable;
 * the text is for whoever reads the alert.
 */
export const MODEL_REJECTION_REASONS = {
  EMPTY_MODEL: 'model.onnx has zero bytes',
  CHECKSUM_MISMATCH: "model.onnx does not hash to its manifest's sha256 (or to the one the lifecycle event announced)",
  UNREADABLE: 'model.onnx is not an ONNX model onnxruntime can load (truncated, corrupt, not ONNX)',
  GRAPH_INVALID: 'the ONNX graph is not one of ours (a tree ensemble or linear model over the manifest features)',
  SIGNATURE_MISMATCH: "the graph's input names, types or shapes, or its output, differ from the manifest's features",
  INVALID_OUTPUT: 'the model scored the probe batch outside [0, 1] (NaN, infinity)',
  PARITY_MISMATCH: "onnxruntime's scores or reasons differ from the parsed trees' on the probe batch",
  MANIFEST_INVALID: 'manifest.json is not valid JSON, fails its schema, or describes another version',
  PATH_ESCAPE: 'a registry file resolves outside the registry directory (a symbolic link)',
  LOAD_FAILED: 'any other failure while loading and validating the model',
} as const;

export type ModelRejectionReason = keyof typeof MODEL_REJECTION_REASONS;

/** The reason of a refusal: ModelRejectedError says it; any other ModelError is a manifest problem. */
export function modelRejectionReason(err: unknown): ModelRejectionReason {
  if (err instanceof ModelRejectedError && err.reason in MODEL_REJECTION_REASONS) return err.reason as ModelRejectionReason;
  if (err instanceof ModelError) return 'MANIFEST_INVALID';
  return 'LOAD_FAILED';
}

/**
 * Runs one check of a model load; a ModelError it throws (other than an already classified one) becomes a
 * ModelRejectedError with `reason`, anything else a ModelRejectedError with the same reason and the cause.
 */
export async function checkModel<T>(label: string, reason: ModelRejectionReason, check: () => T | Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (err) {
    if (err instanceof ModelRejectedError) throw err;
    const message = err instanceof ModelError ? err.message.replace(`${label}: `, '') : `${(err as Error).message}`;
    throw new ModelRejectedError(label, reason, message, err);
  }
}
