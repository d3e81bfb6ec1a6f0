import type { Redis } from 'ioredis';
import type { BotRecorder } from '../supervisor/ports.js';
import { residentBytes } from './chromium-memory.js';
import { type QueueCounts, QueueDepthReporter } from './queue-depth-reporter.js';
import { RecordingRecorder } from './recording-recorder.js';
import type { RunnerMetrics } from './runner-metrics.js';

export interface WorkerMetricsOptions {
  metrics: RunnerMetrics;
  redis: Redis;
  prefix: string;
  queue: QueueCounts;
  /** The bot store: state changes go there after the metrics saw them. */
  store: BotRecorder;
  /** Chromium PIDs of this process, read on each scrape (`BrowserPool.processTree`). */
  chromiumPids: () => readonly number[];
}

export interface WorkerMetrics {
  /** Pass to `BotWorker` as `recorder`. */
  readonly recorder: RecordingRecorder;
  /** Pass to `createZoomClients` as `http.onCall`. */
  readonly onZoomCall: (operation: string, status: number | 'error') => void;
  /** Stops the queue-depth reporter and hands its lease on. Idempotent. */
  close(): Promise<void>;
}

/** Feeds `metrics` from one worker process: bot states, Zoom calls, Chromium memory, queue depth. */
export function wireWorkerMetrics(options: WorkerMetricsOptions): WorkerMetrics {
  const { metrics } = options;
  metrics.sampleOnScrape(async () => {
    metrics.chromiumMemoryBytes.set(await residentBytes(options.chromiumPids()));
  });
  const depth = new QueueDepthReporter({
    redis: options.redis,
    prefix: options.prefix,
    queue: options.queue,
    metrics,
  });
  depth.start();
  return {
    recorder: new RecordingRecorder(options.store, metrics),
    onZoomCall: (operation, status) => metrics.countZoomCall(operation, status),
    close: () => depth.close(),
  };
}
