import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '@riskstream/shared';
import { exportOnnx } from '../../../training/src/export/onnx-export.ts';
import { onnxLoads } from '../../../training/src/export/onnx-session.ts';
import { evaluateGate } from '../../../training/src/registry/promotion-gate.ts';
import type { GateInput } from '../../../training/src/registry/promotion-gate.ts';
import { ModelRegistry } from '../../../training/src/registry/model-registry.ts';
import { mulberry32 } from '../../../training/bench/random-model.ts';
import { draft, smallModel, tempRoot } from './registry-fixtures.ts';

/** Holdout with 5% positives; a model's quality is how much noise hides the label in its score. */
function holdout(n: number, seed: number): { labels: Uint8Array; scorer: (noise: number, seed: number) => Float64Array } {
  const rand = mulberry32(seed);
  const labels = Uint8Array.from({ length: n }, () => (rand() < 0.05 ? 1 : 0));
  const scorer = (noise: number, s: number): Float64Array => {
    const r = mulberry32(s);
    return Float64Array.from(labels, (y) => 1 / (1 + Math.exp(-(2 * y - 3 + noise * (r() + r() + r() - 1.5) * 4))));
  };
  return { labels, scorer };
}

const { labels, scorer } = holdout(6000, 1);
const champion = scorer(1.0, 2);
const base = (over: Partial<GateInput>): GateInput => ({
  challengerScores: champion,
  championScores: champion,
  labels,
  metric: 'roc_auc',
  margin: 0.002,
  bootstrap: { iterations: 300, seed: 7, confidence: 0.95 },
  onnxLoads: true,
  ...over,
});

test('accepts a clearly better challenger, with evidence', () => {
  const r = evaluateGate(base({ challengerScores: scorer(0.5, 3) }));
  assert.equal(r.promote, true, r.reasons.join('\n'));
  assert.ok(r.delta > 0.01 && r.ci[0] > 0 && r.ci[0] <= r.delta && r.delta <= r.ci[1], JSON.stringify(r));
  assert.match(r.reasons.join('\n'), /paired bootstrap CI .* above 0/);
});

test('refuses a worse challenger', () => {
  const r = evaluateGate(base({ challengerScores: scorer(1.6, 4) }));
  assert.equal(r.promote, false);
  assert.ok(r.delta < 0);
  assert.match(r.reasons.join('\n'), /below the margin/);
  assert.match(r.reasons.join('\n'), /does not exclude 0/);
});

test('refuses an identical challenger (no improvement) and one within noise of the margin', () => {
  const same = evaluateGate(base({}));
  assert.equal(same.promote, false);
  assert.equal(same.delta, 0);
  // The champion's scores with a little jitter: a different model that is not meaningfully better.
  const rand = mulberry32(5);
  const jittered = Float64Array.from(champion, (p) => Math.min(1, Math.max(0, p + (rand() - 0.5) * 0.01)));
  const tiny = evaluateGate(base({ challengerScores: jittered }));
  assert.equal(tiny.promote, false, JSON.stringify(tiny));
  assert.ok(Math.abs(tiny.delta) < 0.01);
});

test('refuses NaN challenger scores and a broken ONNX model, listing every reason', () => {
  const scores = scorer(0.5, 3);
  scores[17] = Number.NaN;
  const r = evaluateGate(base({ challengerScores: scores, onnxLoads: false }));
  assert.equal(r.promote, false);
  assert.equal(r.reasons.length, 2);
  assert.match(r.reasons[0]!, /ONNX/);
  assert.match(r.reasons[1]!, /row 17 is NaN/);
  const broken = evaluateGate(base({ challengerScores: scorer(0.5, 3), onnxLoads: false }));
  assert.equal(broken.promote, false);
});

test('without a champion: a sane model is promoted, a no-skill one is not', () => {
  const first = evaluateGate(base({ championScores: undefined, challengerScores: scorer(1.0, 6) }));
  assert.equal(first.promote, true, first.reasons.join('\n'));
  assert.equal(first.hasChampion, false);
  assert.equal(first.champion, 0.5);
  const rand = mulberry32(9);
  const noise = evaluateGate(base({ championScores: undefined, challengerScores: Float64Array.from(labels, () => rand()) }));
  assert.equal(noise.promote, false);
});

test('average precision (built in, or an injected implementation); bad inputs are programming errors', () => {
  const ap = (over: Partial<GateInput>): GateInput => base({ metric: 'average_precision', bootstrap: { iterations: 100, seed: 7, confidence: 0.95 }, ...over });
  const better = scorer(0.5, 3);
  const r = evaluateGate(ap({ challengerScores: better }));
  assert.equal(r.promote, true, r.reasons.join('\n'));
  const worse = evaluateGate(ap({ challengerScores: scorer(1.6, 4) }));
  assert.equal(worse.promote, false);
  const injected = evaluateGate(ap({ metricFn: () => 0.5, challengerScores: better }));
  assert.equal(injected.delta, 0, 'metricFn overrides the built-in metric');
  // Without a champion the AP baseline is the positive rate.
  const first = evaluateGate(ap({ championScores: undefined, challengerScores: better }));
  const rate = labels.reduce((s, y) => s + y, 0) / labels.length;
  assert.ok(Math.abs(first.champion - rate) < 1e-12, `${first.champion} vs ${rate}`);
  assert.throws(() => evaluateGate(base({ labels: labels.subarray(1) })), ValidationError);
  assert.throws(() => evaluateGate(base({ labels: new Uint8Array(labels.length) })), /both classes/);
});

test('end to end: export, load check, gate, promote', async (t) => {
  const registry = await ModelRegistry.open(await tempRoot(t));
  const onnx = exportOnnx(smallModel());
  const version = await registry.register('fraud', { onnx, manifest: draft() });
  const entry = await registry.get('fraud', version);
  const gate = evaluateGate(base({
    championScores: undefined,
    challengerScores: scorer(1.0, 6),
    onnxLoads: await onnxLoads(await registry.readOnnx(entry), { featureNames: entry.manifest.featureNames }),
  }));
  assert.equal(gate.promote, true, gate.reasons.join('\n'));
  assert.equal((await registry.promote('fraud', version, gate)).champion, version);
});
