import { Worker } from 'bullmq';
import { onTestFinished } from 'vitest';
import { RunnerMetrics } from '../../runner/metrics/runner-metrics.js';
import type { BotJob } from '../../runner/queue/bot-queue.js';
import { BOT_QUEUE_NAME } from '../../runner/queue/queue-names.js';
import { Reconciler, type ReconcilerOptions } from '../../runner/reconciler/reconciler.js';
import { connectTestRedis } from '../../testkit/redis.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { makeQueueLayer } from '../queue/queue-fixture.js';

/** Short enough for tests, long enough that "a period" can be told apart from "at once". */
export const PERIOD_MS = 400;

export type Layer = ReturnType<typeof makeQueueLayer>;

/** The queue layer on a fresh prefix, and reconcilers on it (closed when the test finishes). */
export function makeReconcilerRig() {
  const layer = makeQueueLayer();
  const { logger } = captureLogger('warn');
  const reconcilers: Reconciler[] = [];
  const reconciler = (options: Partial<ReconcilerOptions> = {}) => {
    const metrics = new RunnerMetrics();
    const instance = new Reconciler({
      redis: layer.redis,
      prefix: layer.prefix,
      store: layer.store,
      leaves: layer.leaves,
      queue: layer.queue,
      metrics,
      logger,
      intervalMs: PERIOD_MS,
      confirmDelayMs: 50,
      leaseMs: 5_000,
      ...options,
    });
    reconcilers.push(instance);
    return { reconciler: instance, metrics };
  };
  onTestFinished(async () => {
    for (const instance of reconcilers) await instance.close();
  });
  return { ...layer, reconciler };
}

/** A worker holding a bot's job (active, locked with `token`), as in another process. */
export async function holdJob(layer: Layer, token = 'holder'): Promise<BotJob> {
  const redis = connectTestRedis();
  redis.options.maxRetriesPerRequest = null;
  const worker = new Worker(BOT_QUEUE_NAME, null, {
    connection: redis,
    prefix: layer.prefix,
    autorun: false,
  });
  onTestFinished(async () => {
    await worker.close();
    redis.disconnect();
  });
  const job = (await worker.getNextJob(token)) as BotJob | undefined;
  if (!job) throw new Error('no job to hold');
  return job;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The value of `zbr_reconciler_actions_total{action}` in one registry (0 when absent). */
export async function actionCount(metrics: RunnerMetrics, action: string): Promise<number> {
  const line = (await metrics.text())
    .split('\n')
    .find((l) => l.startsWith(`zbr_reconciler_actions_total{action="${action}"}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}
