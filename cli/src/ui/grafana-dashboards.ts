/** The Grafana dashboards kept as code (grafana/dashboards/*.json), as links for the Dashboards page. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DashboardLink {
  readonly uid: string;
  readonly title: string;
  readonly url: string;
}

export async function dashboardLinks(dir: string, grafanaUrl: string): Promise<DashboardLink[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const links: DashboardLink[] = [];
  for (const file of files) {
    const doc = JSON.parse(await readFile(join(dir, file), 'utf8')) as { uid?: unknown; title?: unknown };
    if (typeof doc.uid !== 'string' || typeof doc.title !== 'string') continue;
    links.push({ uid: doc.uid, title: doc.title, url: `${grafanaUrl.replace(/\/+$/, '')}/d/${encodeURIComponent(doc.uid)}` });
  }
  return links;
}
