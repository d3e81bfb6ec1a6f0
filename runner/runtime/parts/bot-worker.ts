import type { Redis } from 'ioredis';
import { hasCapacity } from '../../browser/free-memory.js';
import type { Config } from '../../config/config-table.js';
import type { Logger } from '../../log/logger.js';
import { MeetingLogs } from '../../meeting-events/meeting-log.js';
import type { RunnerMetrics } from '../../metrics/runner-metrics.js';
import { wireWorkerMetrics } from '../../metrics/worker-metrics.js';
import { DurableRecorder } from '../../queue/durable-recorder.js';
import type { QueueLayer } from '../../queue/queue-layer.js';
import { StallCountReset } from '../../queue/stall-count-reset.js';
import { BotWorker } from '../../worker/bot-worker.js';
import { ZoomCredentialSource } from '../../worker/credential-source.js';
import { OurBotsDirectory } from '../../worker/our-bots-directory.js';
import { beatStateOf, WorkerHeartbeat } from '../../worker/worker-heartbeat.js';
import { ZoomUserGuard } from '../../worker/zoom-user-guard.js';
import { createZoomClients, type ZoomCredentials } from '../../zoom/zoom-credentials.js';
import type { Ref } from '../part.js';
import { type Resource, resource } from '../resource.js';
import type { WorkerPages } from './page-driver.js';

export type ShutdownMode = 'handoff' | 'drain';

/**
 * Takes bot jobs and runs one supervisor per bot. Closing it is the worker's shutdown: `handoff`
 * requeues every bot for another worker within SHUTDOWN_GRACE_SEC, `drain` waits for the meetings.
 */
export function botWorkerPart(input: {
  config: Config;
  redis: Ref<Redis>;
  redisUrl: Ref<string>;
  credentials: Ref<ZoomCredentials>;
  layer: Ref<QueueLayer>;
  /** The Chromium pool, or the sim-client sessions (WORKER_PAGE_DRIVER). */
  pages: Ref<WorkerPages>;
  metrics: RunnerMetrics;
  logger: Logger;
  /** Shown in the dashboard's worker list. */
  name?: string | undefined;
  /** Read when the part closes (SHUTDOWN_MODE unless a caller chose another). */
  shutdownMode: () => ShutdownMode;
}): Resource<BotWorker> {
  const { config, logger, metrics } = input;
  return resource('bot worker', {
    open: async (defer) => {
      const redis = input.redis.value;
      const layer = input.layer.value;
      const pages = input.pages.value;
      // State changes are retried until stored (docs/contract.md §12); a bot back in its meeting
      // starts its stall count afresh.
      const records = new DurableRecorder(
        new StallCountReset(layer.store, redis, config.QUEUE_PREFIX, logger),
        {
          logger,
        },
      );
      defer('store the last state changes', () => records.close());
      const wired = wireWorkerMetrics({
        metrics,
        store: records,
        chromiumPids: () => pages.processTree(),
        onPageHung: (listener) => pages.onHung(listener),
      });
      const clients = createZoomClients({
        config,
        credentials: input.credentials.value,
        redis,
        logger,
        http: { onCall: wired.onZoomCall },
      });
      const ourBots = new OurBotsDirectory(redis, config.QUEUE_PREFIX);
      const worker = new BotWorker({
        redisUrl: input.redisUrl.value,
        prefix: config.QUEUE_PREFIX,
        concurrency: config.WORKER_CONCURRENCY,
        layer,
        recorder: wired.recorder,
        credentials: new ZoomCredentialSource(clients, { logger }),
        zoomUserGuard: new ZoomUserGuard({
          keys: layer.apiKeys,
          tenantZoomUsers: config.TENANT_ZOOM_USERS ?? {},
        }),
        pages,
        ourBots,
        meetingLogs: new MeetingLogs({
          redis,
          prefix: config.QUEUE_PREFIX,
          max: config.MEETING_EVENTS_MAX,
          globalWebhookUrl: config.WEBHOOK_URL,
          ourBots,
          metrics,
          logger,
        }),
        meetingMetrics: metrics,
        settings: {
          reconnectGraceMs: config.RECONNECT_GRACE_MS,
          leaveTimeoutMs: 5_000,
          maxBotDurationSec: config.MAX_BOT_DURATION_SEC,
        },
        logger,
        ...(input.name !== undefined ? { name: input.name } : {}),
        hasCapacity: () => hasCapacity(config.WORKER_MIN_FREE_MEMORY_MB),
      });
      // The fleet page's view of this worker. Deferred before the bots, so it closes after them: a
      // worker handing its bots off still shows while it does.
      const heartbeat = new WorkerHeartbeat({
        redis,
        prefix: config.QUEUE_PREFIX,
        name: input.name,
        state: beatStateOf({ worker, pages, slots: config.WORKER_CONCURRENCY }),
        logger,
      });
      defer('worker heartbeat', () => heartbeat.close());
      let started = false;
      defer('bots', () =>
        started ? worker.shutdown(input.shutdownMode(), config.SHUTDOWN_GRACE_SEC * 1000) : worker.close(),
      );
      await worker.start();
      started = true;
      heartbeat.start();
      return worker;
    },
    ready: (worker) => worker.accepting(),
    alive: (worker) => worker.alive(),
  });
}
