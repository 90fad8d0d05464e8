/**
 * Small chart renderers that return inline SVG strings for the training and drift reports: a line chart
 * (several series, axes, ticks, legend), a horizontal bar chart, a reliability diagram and overlaid
 * histograms. Pure functions, no
 * library and no script: the report must open offline, from a file or an artifact store, years later.
 *
 * The SVG is meant to be inlined in HTML, where the parser supplies the SVG namespace, so no `xmlns`
 * attribute (and so no URL at all) is emitted. Every piece of text passes through escapeHtml. Elements
 * carry no `id`s, so any number of charts can share a page. Points outside an explicit axis range are
 * clamped to the plot edge (there is no clipPath, which would need a page-unique id).
 */

import { escapeHtml } from './html-escape.ts';

export interface ChartPoint {
  readonly x: number;
  readonly y: number;
}

export interface LineSeries {
  readonly name: string;
  /** Non-finite points break the line into segments. */
  readonly points: readonly ChartPoint[];
  readonly dashed?: boolean;
  readonly markers?: boolean;
  /** CSS colour; defaults to the palette colour of the series index. */
  readonly color?: string;
}

export interface AxisOptions {
  readonly label: string;
  /** Axis range; defaults to the data range, widened to round tick values. */
  readonly min?: number;
  readonly max?: number;
  /** Tick label format, e.g. percentages. */
  readonly format?: (value: number) => string;
}

export interface LineChartOptions {
  readonly title: string;
  readonly x: AxisOptions;
  readonly y: AxisOptions;
  readonly series: readonly LineSeries[];
  /** Draw the y = x reference line (ROC chance line, perfect calibration). */
  readonly diagonal?: boolean;
  /** Vertical reference lines, e.g. the best boosting round. */
  readonly markers?: readonly { readonly x: number; readonly label: string }[];
  readonly width?: number;
  readonly height?: number;
}

export interface BarSeries {
  readonly name: string;
  /** One value per category. */
  readonly values: readonly number[];
  readonly color?: string;
}

export interface BarChartOptions {
  readonly title: string;
  readonly categories: readonly string[];
  readonly series: readonly BarSeries[];
  readonly valueLabel: string;
  readonly format?: (value: number) => string;
  readonly width?: number;
}

export interface ReliabilitySeries {
  readonly name: string;
  readonly bins: readonly { readonly meanPredicted: number; readonly fractionPositive: number; readonly count: number }[];
  readonly color?: string;
}

export interface ReliabilityDiagramOptions {
  readonly title: string;
  readonly series: readonly ReliabilitySeries[];
  /** Upper end of both axes; below 1 to zoom into the low-probability region. Default 1. */
  readonly max?: number;
  readonly width?: number;
  readonly height?: number;
}

/** Colour-blind-safe palette (Okabe–Ito), in series order. */
export const PALETTE: readonly string[] = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000'];

const FONT = 'font-family="system-ui, sans-serif"';
const CHAR_WIDTH = 6.5; // approximate width of an 11px sans-serif character, for layout without a DOM
const MARGIN = { left: 64, right: 20, top: 30, bottom: 46 };
const LEGEND_ROW = 16;

export function lineChart(o: LineChartOptions): string {
  const width = o.width ?? 560;
  const height = o.height ?? 380;
  const legend = legendLayout(o.series.map((s) => s.name), width - MARGIN.left - MARGIN.right);
  const top = MARGIN.top + legend.rows * LEGEND_ROW;
  const plot = { left: MARGIN.left, top, right: width - MARGIN.right, bottom: height - MARGIN.bottom };

  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of o.series) {
    for (const p of s.points) {
      if (Number.isFinite(p.x) && Number.isFinite(p.y)) {
        xs.push(p.x);
        ys.push(p.y);
      }
    }
  }
  for (const m of o.markers ?? []) if (Number.isFinite(m.x)) xs.push(m.x);
  const xAxis = axisScale(o.x, xs, plot.left, plot.right);
  const yAxis = axisScale(o.y, ys, plot.bottom, plot.top);

  const parts: string[] = [svgOpen(width, height, o.title), titleText(o.title, width)];
  parts.push(gridAndAxes(plot, xAxis, yAxis, o.x, o.y));
  if (o.diagonal) {
    const lo = Math.max(xAxis.min, yAxis.min);
    const hi = Math.min(xAxis.max, yAxis.max);
    if (hi > lo) {
      parts.push(`<line x1="${f(xAxis.at(lo))}" y1="${f(yAxis.at(lo))}" x2="${f(xAxis.at(hi))}" y2="${f(yAxis.at(hi))}" stroke="#999" stroke-dasharray="4 4"/>`);
    }
  }
  (o.markers ?? []).forEach((m, i) => {
    if (!Number.isFinite(m.x)) return;
    const x = f(xAxis.at(m.x));
    parts.push(`<line x1="${x}" y1="${f(plot.top)}" x2="${x}" y2="${f(plot.bottom)}" stroke="#666" stroke-dasharray="2 3"/>`);
    // One label row per marker: markers are often close (review and decline thresholds).
    parts.push(`<text x="${x}" y="${f(plot.top + 12 + 12 * i)}" dx="4" font-size="10" fill="#444" ${FONT}>${escapeHtml(m.label)}</text>`);
  });
  o.series.forEach((s, idx) => {
    const color = escapeHtml(s.color ?? PALETTE[idx % PALETTE.length]!);
    const d = pathData(s.points, xAxis.at, yAxis.at);
    if (d !== '') {
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}><title>${escapeHtml(s.name)}</title></path>`);
    }
    if (s.markers) {
      for (const p of s.points) {
        if (!(Number.isFinite(p.x) && Number.isFinite(p.y))) continue;
        parts.push(`<circle cx="${f(xAxis.at(p.x))}" cy="${f(yAxis.at(p.y))}" r="3.5" fill="${color}"/>`);
      }
    }
  });
  parts.push(legendSvg(legend, o.series.map((s, i) => ({ color: s.color ?? PALETTE[i % PALETTE.length]!, dashed: s.dashed ?? false })), MARGIN.left, MARGIN.top));
  parts.push('</svg>');
  return parts.join('');
}

/** Horizontal bars (long category names such as feature names stay readable), grouped by series. */
export function barChart(o: BarChartOptions): string {
  const width = o.width ?? 560;
  const longest = o.categories.reduce((m, c) => Math.max(m, Math.min(c.length, 32)), 0);
  const left = Math.max(MARGIN.left, 20 + longest * (CHAR_WIDTH + 0.5));
  const legend = legendLayout(o.series.length > 1 ? o.series.map((s) => s.name) : [], width - left - MARGIN.right);
  const top = MARGIN.top + legend.rows * LEGEND_ROW;
  const barHeight = 12;
  const groupHeight = Math.max(1, o.series.length) * barHeight + 6;
  const height = top + o.categories.length * groupHeight + MARGIN.bottom;
  const plot = { left, top, right: width - MARGIN.right, bottom: height - MARGIN.bottom };

  // 0 is always on the axis: bars start there.
  const values = [0, ...o.series.flatMap((s) => s.values.filter(Number.isFinite))];
  const axis = axisScale({ label: o.valueLabel, ...(o.format ? { format: o.format } : {}) }, values, plot.left, plot.right);
  const zero = axis.at(0);
  const parts: string[] = [svgOpen(width, height, o.title), titleText(o.title, width)];
  for (const t of axis.ticks) {
    const x = f(axis.at(t));
    parts.push(`<line x1="${x}" y1="${f(plot.top)}" x2="${x}" y2="${f(plot.bottom)}" stroke="#eee"/>`);
    parts.push(`<text x="${x}" y="${f(plot.bottom + 14)}" text-anchor="middle" font-size="10" fill="#333" ${FONT}>${escapeHtml(axis.format(t))}</text>`);
  }
  parts.push(`<text x="${f((plot.left + plot.right) / 2)}" y="${f(height - 10)}" text-anchor="middle" font-size="11" fill="#222" ${FONT}>${escapeHtml(o.valueLabel)}</text>`);
  o.categories.forEach((cat, ci) => {
    const gy = plot.top + ci * groupHeight + 3;
    const shown = cat.length > 32 ? `${cat.slice(0, 31)}…` : cat;
    parts.push(`<text x="${f(plot.left - 6)}" y="${f(gy + (groupHeight - 6) / 2 + 4)}" text-anchor="end" font-size="11" fill="#222" ${FONT}><title>${escapeHtml(cat)}</title>${escapeHtml(shown)}</text>`);
    o.series.forEach((s, si) => {
      const v = s.values[ci];
      if (v === undefined || !Number.isFinite(v)) return;
      const x = axis.at(v);
      const color = escapeHtml(s.color ?? PALETTE[si % PALETTE.length]!);
      parts.push(
        `<rect x="${f(Math.min(x, zero))}" y="${f(gy + si * barHeight)}" width="${f(Math.abs(x - zero))}" height="${barHeight - 2}" fill="${color}">` +
          `<title>${escapeHtml(`${cat} — ${s.name}: ${axis.format(v)}`)}</title></rect>`,
      );
    });
  });
  parts.push(`<line x1="${f(zero)}" y1="${f(plot.top)}" x2="${f(zero)}" y2="${f(plot.bottom)}" stroke="#333"/>`);
  parts.push(legendSvg(legend, o.series.map((s, i) => ({ color: s.color ?? PALETTE[i % PALETTE.length]!, dashed: false })), left, MARGIN.top));
  parts.push('</svg>');
  return parts.join('');
}

/**
 * Reliability diagram: observed fraud rate against mean predicted probability per bin, with the diagonal
 * of perfect calibration. Empty bins are skipped (their means are placeholders, not observations).
 */
export function reliabilityDiagram(o: ReliabilityDiagramOptions): string {
  const max = o.max ?? 1;
  return lineChart({
    title: o.title,
    x: { label: 'Mean predicted probability', min: 0, max },
    y: { label: 'Observed fraud rate', min: 0, max },
    diagonal: true,
    series: o.series.map((s) => ({
      name: s.name,
      markers: true,
      points: s.bins.filter((b) => b.count > 0).map((b) => ({ x: b.meanPredicted, y: b.fractionPositive })),
      ...(s.color ? { color: s.color } : {}),
    })),
    ...(o.width ? { width: o.width } : {}),
    ...(o.height ? { height: o.height } : {}),
  });
}

export interface OverlaidHistogramOptions {
  readonly title: string;
  /** Bin labels, left to right. */
  readonly bins: readonly string[];
  /** One value per bin each (shares, counts); drawn on top of each other, translucent, in order. */
  readonly series: readonly BarSeries[];
  readonly valueLabel: string;
  readonly format?: (value: number) => string;
  readonly width?: number;
  readonly height?: number;
}

/**
 * Vertical columns of several distributions over the same bins, overlaid (not side by side) so that
 * where they differ shows at a glance: each series is translucent with a solid outline. Bin labels are
 * slanted under the axis, since interval labels are long.
 */
export function overlaidHistogram(o: OverlaidHistogramOptions): string {
  const width = o.width ?? 560;
  const longest = o.bins.reduce((m, b) => Math.max(m, Math.min(b.length, 24)), 0);
  const bottom = MARGIN.bottom + longest * CHAR_WIDTH * 0.6;
  const height = o.height ?? 300 + bottom;
  const legend = legendLayout(o.series.map((s) => s.name), width - MARGIN.left - MARGIN.right);
  const top = MARGIN.top + legend.rows * LEGEND_ROW;
  const plot = { left: MARGIN.left, top, right: width - MARGIN.right, bottom: height - bottom };
  const values = [0, ...o.series.flatMap((s) => s.values.filter(Number.isFinite))];
  const y = axisScale({ label: o.valueLabel, min: 0, ...(o.format ? { format: o.format } : {}) }, values, plot.bottom, plot.top);
  const band = (plot.right - plot.left) / Math.max(1, o.bins.length);
  const parts: string[] = [svgOpen(width, height, o.title), titleText(o.title, width)];
  for (const t of y.ticks) {
    const py = f(y.at(t));
    parts.push(`<line x1="${f(plot.left)}" y1="${py}" x2="${f(plot.right)}" y2="${py}" stroke="#eee"/>`);
    parts.push(`<text x="${f(plot.left - 6)}" y="${py}" dy="3" text-anchor="end" font-size="10" fill="#333" ${FONT}>${escapeHtml(y.format(t))}</text>`);
  }
  o.series.forEach((s, si) => {
    const color = escapeHtml(s.color ?? PALETTE[si % PALETTE.length]!);
    s.values.forEach((v, bi) => {
      if (!Number.isFinite(v) || bi >= o.bins.length) return;
      const x = plot.left + bi * band + band * 0.1;
      const top = y.at(v);
      parts.push(
        `<rect x="${f(x)}" y="${f(top)}" width="${f(band * 0.8)}" height="${f(Math.max(0, plot.bottom - top))}" fill="${color}" fill-opacity="0.35" stroke="${color}" stroke-width="1.5">` +
          `<title>${escapeHtml(`${o.bins[bi]} — ${s.name}: ${y.format(v)}`)}</title></rect>`,
      );
    });
  });
  o.bins.forEach((label, bi) => {
    const x = f(plot.left + (bi + 0.5) * band);
    const shown = label.length > 24 ? `${label.slice(0, 23)}…` : label;
    parts.push(`<text x="${x}" y="${f(plot.bottom + 12)}" transform="rotate(-35 ${x} ${f(plot.bottom + 12)})" text-anchor="end" font-size="10" fill="#333" ${FONT}><title>${escapeHtml(label)}</title>${escapeHtml(shown)}</text>`);
  });
  parts.push(`<rect x="${f(plot.left)}" y="${f(plot.top)}" width="${f(plot.right - plot.left)}" height="${f(plot.bottom - plot.top)}" fill="none" stroke="#333"/>`);
  const cy = f((plot.top + plot.bottom) / 2);
  parts.push(`<text x="14" y="${cy}" transform="rotate(-90 14 ${cy})" text-anchor="middle" font-size="11" fill="#222" ${FONT}>${escapeHtml(o.valueLabel)}</text>`);
  parts.push(legendSvg(legend, o.series.map((s, i) => ({ color: s.color ?? PALETTE[i % PALETTE.length]!, dashed: false })), MARGIN.left, MARGIN.top));
  parts.push('</svg>');
  return parts.join('');
}

interface Scale {
  readonly min: number;
  readonly max: number;
  readonly ticks: readonly number[];
  readonly at: (v: number) => number;
  readonly format: (v: number) => string;
}

/** Linear scale from the data range (or the given range) to pixels, with round ticks. */
function axisScale(opts: AxisOptions, values: readonly number[], from: number, to: number): Scale {
  let dataMin = Number.POSITIVE_INFINITY;
  let dataMax = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < dataMin) dataMin = v;
    if (v > dataMax) dataMax = v;
  }
  let lo = opts.min ?? (values.length > 0 ? dataMin : 0);
  let hi = opts.max ?? (values.length > 0 ? dataMax : 1);
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    if (opts.min === undefined) lo -= pad;
    if (opts.max === undefined || !(hi > lo)) hi = lo + 2 * pad;
  }
  const step = niceStep((hi - lo) / 5);
  // Widen only the ends the caller left open, so an explicit [0, 1] stays exactly [0, 1].
  if (opts.min === undefined) lo = Math.floor(lo / step + 1e-9) * step;
  if (opts.max === undefined) hi = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  // Multiply rather than accumulate, so tick values do not drift (0.30000000000000004).
  const first = Math.ceil(lo / step - 1e-9);
  for (let i = first; i * step <= hi + step * 1e-9; i++) ticks.push(i === 0 ? 0 : i * step);
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  const format = opts.format ?? ((v: number) => v.toFixed(decimals));
  const at = (v: number): number => from + ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * (to - from);
  return { min: lo, max: hi, ticks, at, format };
}

/** 1, 2 or 5 times a power of ten, the smallest such step >= raw. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

function gridAndAxes(plot: { left: number; top: number; right: number; bottom: number }, x: Scale, y: Scale, xo: AxisOptions, yo: AxisOptions): string {
  const parts: string[] = [];
  for (const t of x.ticks) {
    const px = f(x.at(t));
    parts.push(`<line x1="${px}" y1="${f(plot.top)}" x2="${px}" y2="${f(plot.bottom)}" stroke="#eee"/>`);
    parts.push(`<text x="${px}" y="${f(plot.bottom + 14)}" text-anchor="middle" font-size="10" fill="#333" ${FONT}>${escapeHtml(x.format(t))}</text>`);
  }
  for (const t of y.ticks) {
    const py = f(y.at(t));
    parts.push(`<line x1="${f(plot.left)}" y1="${py}" x2="${f(plot.right)}" y2="${py}" stroke="#eee"/>`);
    parts.push(`<text x="${f(plot.left - 6)}" y="${py}" dy="3" text-anchor="end" font-size="10" fill="#333" ${FONT}>${escapeHtml(y.format(t))}</text>`);
  }
  parts.push(`<rect x="${f(plot.left)}" y="${f(plot.top)}" width="${f(plot.right - plot.left)}" height="${f(plot.bottom - plot.top)}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${f((plot.left + plot.right) / 2)}" y="${f(plot.bottom + 34)}" text-anchor="middle" font-size="11" fill="#222" ${FONT}>${escapeHtml(xo.label)}</text>`);
  const cy = f((plot.top + plot.bottom) / 2);
  parts.push(`<text x="14" y="${cy}" transform="rotate(-90 14 ${cy})" text-anchor="middle" font-size="11" fill="#222" ${FONT}>${escapeHtml(yo.label)}</text>`);
  return parts.join('');
}

function pathData(points: readonly ChartPoint[], sx: (v: number) => number, sy: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (!(Number.isFinite(p.x) && Number.isFinite(p.y))) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${f(sx(p.x))} ${f(sy(p.y))}`;
    pen = true;
  }
  return d;
}

interface LegendLayout {
  readonly rows: number;
  readonly items: readonly { readonly name: string; readonly x: number; readonly row: number }[];
}

/** Legend entries laid out left to right, wrapping to a new row when the plot width is used up. */
function legendLayout(names: readonly string[], available: number): LegendLayout {
  const items: { name: string; x: number; row: number }[] = [];
  let x = 0;
  let row = 0;
  for (const name of names) {
    const w = 28 + name.length * CHAR_WIDTH + 14;
    if (x > 0 && x + w > available) {
      row++;
      x = 0;
    }
    items.push({ name, x, row });
    x += w;
  }
  return { rows: names.length > 0 ? row + 1 : 0, items };
}

function legendSvg(layout: LegendLayout, styles: readonly { color: string; dashed: boolean }[], left: number, top: number): string {
  return layout.items
    .map((item, i) => {
      const style = styles[i]!;
      const x = left + item.x;
      const y = top + item.row * LEGEND_ROW + 4;
      return (
        `<line x1="${f(x)}" y1="${f(y)}" x2="${f(x + 22)}" y2="${f(y)}" stroke="${escapeHtml(style.color)}" stroke-width="3"${style.dashed ? ' stroke-dasharray="6 4"' : ''}/>` +
        `<text x="${f(x + 28)}" y="${f(y + 4)}" font-size="11" fill="#222" ${FONT}>${escapeHtml(item.name)}</text>`
      );
    })
    .join('');
}

function svgOpen(width: number, height: number, title: string): string {
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}"><title>${escapeHtml(title)}</title>`;
}

function titleText(title: string, width: number): string {
  return `<text x="${f(width / 2)}" y="16" text-anchor="middle" font-size="13" font-weight="600" fill="#111" ${FONT}>${escapeHtml(title)}</text>`;
}

/** Pixel coordinates with two decimals: sub-pixel accuracy without bloating the page. */
function f(v: number): string {
  return String(Math.round(v * 100) / 100);
}
