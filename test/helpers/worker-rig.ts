import { afterAll, beforeAll } from 'vitest';
import type { Config } from '../../runner/config/config-table.js';
import { loadConfig } from '../../runner/config/load-config.js';
import { requireConfiguredMode } from '../../runner/config/mode.js';
import type { BotService } from '../../runner/queue/bot-service.js';
import { createQueueLayer } from '../../runner/queue/queue-layer.js';
import { startWorkerProcess, type WorkerProcess } from '../../runner/runtime/worker-process.js';
import { ensurePageBuilds } from '../../runner/web/page-build.js';
import { connectTestRedis, deletePrefix, uniquePrefix } from '../../testkit/redis.js';
import type { RunningSim } from '../../zoom-sim/server.js';
import { captureLogger } from './capture-logger.js';
import { useSim } from './sim-harness.js';

export interface WorkerRig {
  readonly sim: ReturnType<typeof useSim>;
  readonly runtime: WorkerProcess;
  /** Starts the in-process worker now (for files that start it themselves), with extra environment. */
  startWorker(extra?: Record<string, string>): Promise<WorkerProcess>;
  /** Stops the in-process worker if it runs (handoff). */
  stopWorker(): Promise<void>;
  readonly config: Config;
  /** A producer of its own (the API's view of the queue), independent of any worker. */
  openProducer(): Promise<{ service: BotService; close(): Promise<void> }>;
  /** Environment for a worker in a child process: same sim, Redis prefix. */
  env(extra?: Record<string, string>): Record<string, string>;
  logLines: string[];
}

/**
 * For one test file: a zoom-sim, and a real worker (Chromium, BullMQ, Redis under a private prefix)
 * in this process, serving the sim page build. Everything is closed and deleted afterwards.
 */
export function useWorkerRig(
  env: Record<string, string> = {},
  options: { startWorker?: boolean } = {},
): WorkerRig {
  const sim = useSim();
  const prefix = uniquePrefix();
  const { logger, lines } = captureLogger('info');
  let runtime: WorkerProcess | undefined;
  let config: Config | undefined;
  const baseEnv = (simInstance: RunningSim, extra: Record<string, string> = {}) => ({
    ZOOM_SIM_URL: simInstance.url,
    QUEUE_PREFIX: prefix,
    API_PORT: '0',
    WORKER_MIN_FREE_MEMORY_MB: '0',
    RECONNECT_GRACE_MS: '3000',
    SHUTDOWN_GRACE_SEC: '5',
    ...env,
    ...extra,
  });
  const startWorker = async (extra: Record<string, string> = {}): Promise<WorkerProcess> => {
    config = loadConfig(baseEnv(sim.sim, extra));
    runtime = await startWorkerProcess({ config, mode: requireConfiguredMode(config, 'test'), logger });
    return runtime;
  };
  beforeAll(async () => {
    await ensurePageBuilds(['sim']);
    if (options.startWorker !== false) await startWorker();
  }, 180_000);
  afterAll(async () => {
    await runtime?.shutdown('handoff');
    const redis = connectTestRedis();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }, 60_000);
  return {
    sim,
    get runtime() {
      if (!runtime) throw new Error('worker not started');
      return runtime;
    },
    get config() {
      if (!config) throw new Error('worker not started');
      return config;
    },
    startWorker,
    stopWorker: async () => {
      await runtime?.shutdown('handoff');
      runtime = undefined;
    },
    openProducer: async () => {
      const redis = connectTestRedis();
      const layer = createQueueLayer({ redis, prefix });
      return {
        service: layer.service,
        close: async () => {
          await layer.close();
          redis.disconnect();
        },
      };
    },
    env: (extra) => baseEnv(sim.sim, extra),
    logLines: lines,
  };
}
