// How values read in tables: numbers to 4 significant places, times in UTC, anything else as JSON.

export function formatValue(v) {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function formatNumber(n) {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  const abs = Math.abs(n);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? n.toExponential(3) : n.toFixed(4);
}

export function formatTime(t) {
  if (t === null || t === undefined || t === '') return '–';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

export function formatShare(x) {
  return typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '–';
}

export function formatDuration(fromIso, toIso) {
  if (!fromIso || !toIso) return '–';
  const s = (Date.parse(toIso) - Date.parse(fromIso)) / 1000;
  if (!Number.isFinite(s)) return '–';
  return s < 120 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`;
}
