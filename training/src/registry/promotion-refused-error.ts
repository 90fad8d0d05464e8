import { ModelError } from '@riskstream/shared';

/** `promote` was called with a gate result that refuses the candidate; `reasons` are the gate's. */
export class PromotionRefusedError extends ModelError {
  readonly version: number;
  readonly reasons: readonly string[];
  constructor(model: string, version: number, reasons: readonly string[]) {
    super(model, `version ${version} was refused by the promotion gate: ${reasons.join('; ')}`);
    this.version = version;
    this.reasons = Object.freeze([...reasons]);
  }
}
