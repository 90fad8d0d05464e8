/**
 * The drift report of one registered version over a window, on demand: the same build and HTML page as
 * `riskstream drift report`, without the file. Bad windows and empty ones are typed errors, which the
 * route renders as a readable page.
 */
import type { DriftMonitorConfig } from '@riskstream/drift-monitor';
import { UsageError } from '@riskstream/shared';
import { createModelSource } from '@riskstream/shared/model';
import { parseReportTime } from '../commands/drift-command.ts';
import { buildDriftReport } from '../drift-report/drift-report.ts';
import { renderDriftReport } from '../drift-report/drift-report-html.ts';

export interface DriftReportSettings {
  readonly registryDir: string;
  readonly offlineStoreDir: string;
  readonly monitor: DriftMonitorConfig;
}

export async function driftReportPage(s: DriftReportSettings, name: string, version: number, query: URLSearchParams): Promise<string> {
  const from = query.get('from')?.trim();
  const to = query.get('to')?.trim();
  if (!from || !to) throw new UsageError('a drift report needs a window: from and to (YYYY-MM-DD or an ISO time with a zone)');
  const fromMs = parseReportTime('from', from);
  const toMs = parseReportTime('to', to);
  if (!(toMs > fromMs)) throw new UsageError(`to (${to}) must be after from (${from})`);
  const report = await buildDriftReport({
    source: createModelSource(s.registryDir),
    model: { name, selector: version },
    root: s.offlineStoreDir,
    fromMs,
    toMs,
    monitor: s.monitor,
    progress: () => undefined,
  });
  return renderDriftReport(report);
}
