/**
 * The metric names a PromQL expression selects, without a PromQL parser: strip what cannot be a metric
 * name (strings, label matchers, ranges, grouping label lists), then every identifier that is not a
 * function call or keyword is a metric name. Good enough for the expressions this repository writes;
 * `{__name__=~...}` selectors are not supported (none are written).
 */

const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan', 'start', 'end']);

export function metricNames(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of s.matchAll(/(?<![\w.:$])([A-Za-z_:][\w:]*)(?![\w:])(\s*\()?/g)) {
    if (m[2] !== undefined) continue; // a function or aggregation call
    if (KEYWORDS.has(m[1]!.toLowerCase())) continue;
    names.add(m[1]!);
  }
  return [...names];
}
