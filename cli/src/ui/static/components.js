// Building blocks every page uses: the htm binding, a data-loading hook, notices, a Chart.js canvas.
import { h } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);

/** { data, error, loading, reload } for an async loader, re-run when `deps` change. */
export function useLoad(loader, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const load = useCallback(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    loader().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }),
    );
    return () => (live = false);
  }, deps);
  useEffect(load, [load]);
  return { ...state, reload: load };
}

/** Re-runs `fn` every `ms` while the page is shown. */
export function useInterval(fn, ms) {
  useEffect(() => {
    const id = setInterval(fn, ms);
    return () => clearInterval(id);
  }, [fn, ms]);
}

export function ErrorNotice({ error }) {
  if (!error) return null;
  return html`<p class="notice error" role="alert">${error.status ? `${error.status}: ` : ''}${error.message}</p>`;
}

export function Loading({ when }) {
  return when ? html`<p class="loading">Loading…</p>` : null;
}

/** A bar chart (Chart.js, loaded as a classic script): one dataset per series over `labels`. */
export function BarChart({ labels, datasets, title }) {
  const canvas = useRef(null);
  useEffect(() => {
    const chart = new window.Chart(canvas.current, {
      type: 'bar',
      data: { labels, datasets: datasets.map((d, i) => ({ ...d, backgroundColor: PALETTE[i % PALETTE.length] })) },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { title: { display: Boolean(title), text: title }, legend: { position: 'bottom' } },
        scales: { y: { beginAtZero: true } },
      },
    });
    return () => chart.destroy();
  }, [JSON.stringify(labels), JSON.stringify(datasets), title]);
  return html`<div class="chart"><canvas ref=${canvas} aria-label=${title ?? 'chart'} role="img"></canvas></div>`;
}

// Okabe-Ito: distinguishable with the common colour-vision deficiencies.
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
