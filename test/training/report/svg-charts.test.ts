import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barChart, lineChart, overlaidHistogram, reliabilityDiagram } from '../../../training/src/report/svg-charts.ts';

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** Tags open and close in balance (self-closing tags aside): a cheap well-formedness check. */
function assertBalanced(svg: string): void {
  for (const tag of ['svg', 'text', 'title', 'path', 'rect']) {
    const open = (svg.match(new RegExp(`<${tag}[\\s>]`, 'g')) ?? []).length;
    const selfClosed = (svg.match(new RegExp(`<${tag}[^>]*/>`, 'g')) ?? []).length;
    assert.equal(open - selfClosed, count(svg, `</${tag}>`), `<${tag}> unbalanced`);
  }
}

test('line chart: one path per series, legend, axis labels, no namespace URL', () => {
  const svg = lineChart({
    title: 'ROC curve',
    x: { label: 'False positive rate', min: 0, max: 1 },
    y: { label: 'True positive rate', min: 0, max: 1 },
    diagonal: true,
    series: [
      { name: 'gbdt', points: [{ x: 0, y: 0 }, { x: 0.1, y: 0.7 }, { x: 1, y: 1 }] },
      { name: 'logistic regression', dashed: true, points: [{ x: 0, y: 0 }, { x: 0.2, y: 0.6 }, { x: 1, y: 1 }] },
    ],
  });
  assert.ok(svg.startsWith('<svg') && svg.endsWith('</svg>'));
  assert.equal(count(svg, '<path '), 2);
  for (const text of ['ROC curve', 'False positive rate', 'True positive rate', '>gbdt<', '>logistic regression<', '>0.0<', '>1.0<']) {
    assert.ok(svg.includes(text), `missing ${text}`);
  }
  assert.ok(svg.includes('stroke-dasharray="6 4"'));
  assert.ok(!svg.includes('http'));
  assertBalanced(svg);
});

test('points map into the plot area; explicit ranges are kept exactly', () => {
  const svg = lineChart({ title: 't', x: { label: 'x', min: 0, max: 1 }, y: { label: 'y', min: 0, max: 1 }, width: 400, height: 300, series: [{ name: 's', points: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }] });
  // Plot area: left 64, right 400 - 20, top 30 + one legend row (16), bottom 300 - 46.
  assert.ok(svg.includes('d="M64 254L380 46"'), svg);
});

test('non-finite points break the line and never reach the output', () => {
  const svg = lineChart({
    title: 'learning curve',
    x: { label: 'round' },
    y: { label: 'log loss' },
    series: [{ name: 'valid', markers: true, points: [{ x: 0, y: 0.3 }, { x: 1, y: Number.NaN }, { x: 2, y: 0.2 }, { x: 3, y: Number.POSITIVE_INFINITY }, { x: 4, y: 0.1 }] }],
  });
  assert.ok(!svg.includes('NaN') && !svg.includes('Infinity'));
  const d = /<path d="([^"]+)"/.exec(svg)![1]!;
  assert.equal(count(d, 'M'), 3);
  assert.equal(count(svg, '<circle'), 3);
});

test('every text is escaped', () => {
  const evil = '<script>alert("x")</script>';
  const svg = lineChart({ title: evil, x: { label: evil }, y: { label: evil }, series: [{ name: evil, color: '"><script>', points: [{ x: 0, y: 1 }, { x: 1, y: 2 }] }], markers: [{ x: 0.5, label: evil }] });
  const bars = barChart({ title: evil, categories: [evil], series: [{ name: evil, values: [1] }], valueLabel: evil });
  for (const out of [svg, bars]) {
    assert.ok(!out.includes('<script'), out);
    assert.ok(out.includes('&lt;script&gt;'));
  }
});

test('bar chart: one bar per finite value, bars start at zero, long names are shortened', () => {
  const long = 'amount_over_customer_mean_amount_30_days_ratio';
  const svg = barChart({
    title: 'Feature importance',
    categories: ['amount', long, 'missing'],
    series: [{ name: 'gain', values: [3, 1, Number.NaN] }],
    valueLabel: 'gain',
  });
  assert.equal(count(svg, '<rect '), 2);
  assert.ok(svg.includes(`<title>${long}</title>`));
  assert.ok(svg.includes('amount_over_customer_mean_amoun…'));
  const widths = [...svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.equal(widths[0]![0], widths[1]![0]);
  assert.ok(Math.abs(widths[0]![1]! / widths[1]![1]! - 3) < 0.01);
  assertBalanced(svg);
});

test('reliability diagram: diagonal, one marker per non-empty bin', () => {
  const bins = [
    { meanPredicted: 0.05, fractionPositive: 0.04, count: 900 },
    { meanPredicted: 0, fractionPositive: 0, count: 0 },
    { meanPredicted: 0.5, fractionPositive: 0.6, count: 10 },
  ];
  const svg = reliabilityDiagram({ title: 'Calibration', series: [{ name: 'gbdt', bins }] });
  assert.equal(count(svg, '<circle'), 2);
  assert.ok(svg.includes('stroke-dasharray="4 4"'), 'diagonal');
  assert.ok(svg.includes('Mean predicted probability') && svg.includes('Observed fraud rate'));
  assertBalanced(svg);
});

test('overlaid histogram: one translucent column per finite value and series, from zero; bin labels and text escaped', () => {
  const svg = overlaidHistogram({
    title: 'amount <shares>',
    bins: ['(0, 10]', '(10, 20]', '(20, 1000000000000000000000]'],
    series: [
      { name: 'reference', values: [0.5, 0.3, 0.2] },
      { name: 'window', values: [0.2, Number.NaN, 0.8] },
    ],
    valueLabel: 'share',
  });
  assert.ok(svg.startsWith('<svg') && svg.endsWith('</svg>'));
  assert.equal(count(svg, 'fill-opacity="0.35"'), 5);
  for (const text of ['amount &lt;shares&gt;', '>(0, 10]<', '>reference<', '>window<', '>share<', '(20, 100000000000000000…']) {
    assert.ok(svg.includes(text), `missing ${text}`);
  }
  assert.ok(!svg.includes('<shares>') && !svg.includes('NaN'));
  // Columns stand on the same baseline.
  const bottoms = [...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="[^"]+" fill-opacity/g)].map((m) => Number(m[1]) + Number(m[2]));
  assert.equal(bottoms.length, 5);
  assert.ok(bottoms.every((b) => Math.abs(b - bottoms[0]!) < 0.02), bottoms.join(' '));
  assertBalanced(svg);
});
