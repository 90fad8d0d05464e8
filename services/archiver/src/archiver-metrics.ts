import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The archiver's own metrics; the shared runner adds the riskstream_* pipeline metrics. */
export interface ArchiverMetrics {
  readonly rowsWritten: Counter<'table'>;
  readonly filesWritten: Counter<'table'>;
  readonly bytesWritten: Counter<'table'>;
  readonly rowsSkipped: Counter<'table'>;
  readonly writeDuration: Histogram<'table'>;
  readonly fileRows: Histogram<'table'>;
  readonly latestEventTime: Gauge<'table'>;
  readonly storageErrors: Counter<'table'>;
}

export function archiverMetrics(registry: Registry): ArchiverMetrics {
  const registers = [registry];
  return {
    rowsWritten: new Counter({ name: 'archiver_rows_written_total', help: 'Rows written to the offline store, by table', labelNames: ['table'], registers }),
    filesWritten: new Counter({ name: 'archiver_files_written_total', help: 'Parquet files written, by table', labelNames: ['table'], registers }),
    bytesWritten: new Counter({ name: 'archiver_bytes_written_total', help: 'Bytes of Parquet written, by table', labelNames: ['table'], registers }),
    rowsSkipped: new Counter({
      name: 'archiver_rows_skipped_total',
      help: 'Redelivered records already in the offline store (offset at or below the archived maximum of their date), by table',
      labelNames: ['table'],
      registers,
    }),
    writeDuration: new Histogram({
      name: 'archiver_write_duration_seconds',
      help: 'Time to write and publish one Parquet file (encode, fsync, rename), by table',
      labelNames: ['table'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    fileRows: new Histogram({
      name: 'archiver_file_rows',
      help: 'Rows per Parquet file written, by table (small files make reads slow)',
      labelNames: ['table'],
      buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000],
      registers,
    }),
    storageErrors: new Counter({
      name: 'archiver_storage_errors_total',
      help: 'File writes the offline store disk refused (full, read-only, failing), by table; nothing is published or committed, the batch is retried',
      labelNames: ['table'],
      registers,
    }),
    latestEventTime: new Gauge({
      name: 'archiver_latest_event_time_seconds',
      help: 'Newest event time archived, by table (epoch seconds): how far the offline store reaches',
      labelNames: ['table'],
      registers,
    }),
  };
}
