import type { BotRecorder } from '../supervisor/ports.js';
import { residentBytes } from './chromium-memory.js';
import { RecordingRecorder } from './recording-recorder.js';
import type { RunnerMetrics } from './runner-metrics.js';

export interface WorkerMetricsOptions {
  metrics: RunnerMetrics;
  /** The bot store: state changes go there after the metrics saw them. */
  store: BotRecorder;
  /** Chromium PIDs of this process, read on each scrape (`BrowserPool.processTree`). */
  chromiumPids: () => readonly number[];
  /** Subscribes to hung pages (`BrowserPool.onHung`), counted by scope. */
  onPageHung?: (listener: (scope: 'page' | 'browser') => void) => unknown;
}

export interface WorkerMetrics {
  /** Pass to `BotWorker` as `recorder`. */
  readonly recorder: RecordingRecorder;
  /** Pass to `createZoomClients` as `http.onCall`. */
  readonly onZoomCall: (operation: string, status: number | 'error') => void;
}

/**
 * Feeds `metrics` from one worker process: bot states, Zoom calls, Chromium memory. Queue depth is
 * the deployment's, not the worker's: the queue-depth part reports it.
 */
export function wireWorkerMetrics(options: WorkerMetricsOptions): WorkerMetrics {
  const { metrics } = options;
  metrics.sampleOnScrape(async () => {
    metrics.chromiumMemoryBytes.set(await residentBytes(options.chromiumPids()));
  });
  options.onPageHung?.((scope) => metrics.pagesHung.inc({ scope }));
  return {
    recorder: new RecordingRecorder(options.store, metrics),
    onZoomCall: (operation, status) => metrics.countZoomCall(operation, status),
  };
}
