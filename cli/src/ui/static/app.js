// riskstream ui: the shell (navigation, API key), and the hash router that picks a page.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { apiKey, getJson, setApiKey } from './api.js';
import { html } from './components.js';
import { ComparePage, RunPage, RunsPage } from './page-runs.js';
import { ModelsPage } from './page-models.js';
import { DashboardsPage, ExperimentsPage, LifecyclePage } from './page-status.js';

const NAV = [
  ['#/runs', 'Runs'],
  ['#/models', 'Models'],
  ['#/experiments', 'Experiment'],
  ['#/lifecycle', 'Lifecycle'],
  ['#/dashboards', 'Dashboards'],
];

/** '#/runs/abc?x=1' -> { parts: ['runs', 'abc'], query: URLSearchParams('x=1') } */
function parseHash(hash) {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

function useHash() {
  const [hash, setHash] = useState(location.hash || '#/runs');
  useEffect(() => {
    const onChange = () => setHash(location.hash || '#/runs');
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

function page(route, config) {
  const [name, id] = route.parts;
  switch (name ?? 'runs') {
    case 'runs':
      return id ? html`<${RunPage} id=${id} />` : html`<${RunsPage} />`;
    case 'compare':
      return html`<${ComparePage} ids=${(route.query.get('ids') ?? '').split(',').filter(Boolean)} />`;
    case 'models':
      return html`<${ModelsPage} writable=${config.writable} />`;
    case 'experiments':
      return html`<${ExperimentsPage} />`;
    case 'lifecycle':
      return html`<${LifecyclePage} />`;
    case 'dashboards':
      return html`<${DashboardsPage} />`;
    default:
      return html`<p class="notice error">No page ${name}.</p>`;
  }
}

function KeyField() {
  const [key, setKey] = useState(apiKey());
  const save = (e) => {
    setKey(e.target.value);
    setApiKey(e.target.value.trim());
  };
  return html`<label class="api-key">API key <input type="password" autocomplete="off" placeholder="secret of a UI_API_KEYS key" value=${key} onInput=${save} /></label>`;
}

function App() {
  const hash = useHash();
  const [config, setConfig] = useState({ writable: false });
  useEffect(() => {
    getJson('/api/config').then(setConfig, () => setConfig({ writable: false }));
  }, []);
  const route = parseHash(hash);
  const current = `#/${route.parts[0] ?? 'runs'}`;
  return html`
    <header>
      <span class="brand">riskstream</span>
      <nav>${NAV.map(([href, label]) => html`<a href=${href} class=${current === href || (href === '#/runs' && current === '#/compare') ? 'active' : ''}>${label}</a>`)}</nav>
      ${config.writable ? html`<${KeyField} />` : html`<span class="read-only" title="start the UI with UI_API_KEYS to promote and roll back">read-only</span>`}
    </header>
    <main>${page(route, config)}</main>`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
