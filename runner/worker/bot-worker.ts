import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';
import { type BotJob, requeueForRejoin } from '../queue/bot-queue.js';
import { parseJobData } from '../queue/job-data.js';
import type { LeaveSubscription } from '../queue/leave-channel.js';
import type { QueueLayer } from '../queue/queue-layer.js';
import { BOT_QUEUE_NAME } from '../queue/queue-names.js';
import { connectRedis } from '../redis/redis-connection.js';
import { BotSupervisor } from '../supervisor/bot-supervisor.js';
import type { BotRecorder, CredentialSource, PageSource } from '../supervisor/ports.js';
import type { SupervisorSettings } from '../supervisor/supervisor-settings.js';
import { systemClock } from '../supervisor/system-clock.js';
import type { OurBotsDirectory } from './our-bots-directory.js';
import { resumeSituation } from './resume-situation.js';
import { WORKER_LOCK_SETTINGS } from './worker-lock-settings.js';

export interface BotWorkerOptions {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  layer: QueueLayer;
  credentials: CredentialSource;
  pages: PageSource;
  ourBots: OurBotsDirectory;
  settings: SupervisorSettings;
  logger: Logger;
  /** Shown in the dashboard's worker list. */
  name?: string;
  /**
   * Where supervisors record state changes (default: the layer's store). A metrics recorder wraps
   * the store here; `forget` tells it a bot left this process without ending (handoff, lost lock).
   */
  recorder?: BotRecorder & { forget?(botId: string): void };
  /** True while this process may take another bot (free memory above WORKER_MIN_FREE_MEMORY_MB). */
  hasCapacity?: () => boolean;
}

interface ActiveBot {
  supervisor: BotSupervisor;
}

/**
 * One worker process's bots: a BullMQ worker whose processor runs one `BotSupervisor` per job for the
 * whole meeting. The job id is the bot id; the job stays active (locked) while the bot is in Zoom.
 */
export class BotWorker {
  private readonly worker: Worker;
  private readonly connection: Redis;
  private readonly active = new Map<string, ActiveBot>();
  private leaveSubscription: LeaveSubscription | undefined;
  private memoryTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: BotWorkerOptions) {
    // BullMQ's blocking commands need a connection that retries forever (maxRetriesPerRequest null).
    this.connection = connectRedis(options.redisUrl, options.logger, 'worker', {
      maxRetriesPerRequest: null,
    });
    this.worker = new Worker(
      BOT_QUEUE_NAME,
      (job, token, signal) => this.process(job as BotJob, token, signal),
      {
        connection: this.connection,
        prefix: options.prefix,
        concurrency: options.concurrency,
        autorun: false,
        ...(options.name !== undefined ? { name: options.name } : {}),
        ...WORKER_LOCK_SETTINGS,
      },
    );
    // A lock we could not renew may already be another worker's: leave the meeting at once, so a
    // meeting never holds two copies of one bot.
    this.worker.on('lockRenewalFailed', (jobIds) => {
      for (const id of jobIds) {
        this.options.logger.warn({ botId: id }, 'lost the job lock; leaving the meeting');
        this.worker.cancelJob(id, 'lock lost');
      }
    });
    this.worker.on('error', (error) => this.options.logger.warn({ err: error.message }, 'worker error'));
  }

  async start(): Promise<void> {
    this.leaveSubscription = await this.options.layer.leaves.subscribe((botId) => {
      this.active.get(botId)?.supervisor.requestLeave('left_by_request');
    });
    if (this.options.hasCapacity) {
      const hasCapacity = this.options.hasCapacity;
      this.memoryTimer = setInterval(() => this.gateOnMemory(hasCapacity()), 2_000);
      this.memoryTimer.unref();
    }
    void this.worker.run().catch((error: Error) => {
      this.options.logger.error({ err: error.message }, 'worker stopped');
    });
    await this.worker.waitUntilReady();
  }

  /** Bots this process holds right now. */
  get activeCount(): number {
    return this.active.size;
  }

  /** For /readyz: taking new jobs. */
  accepting(): boolean {
    return !this.stopping && this.worker.isRunning() && !this.worker.isPaused();
  }

  private gateOnMemory(hasCapacity: boolean): void {
    if (this.stopping) return;
    if (!hasCapacity && !this.worker.isPaused()) {
      this.options.logger.warn('free memory below WORKER_MIN_FREE_MEMORY_MB: not taking new bots');
      this.worker.pause(true).catch(() => {});
    } else if (hasCapacity && this.worker.isPaused()) {
      this.worker.resume();
    }
  }

  private async process(
    job: BotJob,
    token: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const { layer, logger } = this.options;
    if (this.options.hasCapacity && !this.options.hasCapacity() && token) {
      // Taken just before the memory gate closed: give it back for a worker with room.
      this.gateOnMemory(false);
      await job.moveToDelayed(Date.now() + 1_000, token);
      throw new DelayedError();
    }
    const parsed = parseJobData(job.id, job.data, await layer.crypto());
    if (!parsed.ok) {
      logger.warn({ jobId: job.id, detail: parsed.detail }, 'malformed bot job');
      if (job.id)
        await (this.options.recorder ?? layer.store).record(job.id, {
          state: 'ended',
          endReason: 'invalid_request',
          endDetail: parsed.detail,
        });
      throw new UnrecoverableError(`invalid_request: ${parsed.detail}`);
    }
    const { botId, request } = parsed;
    const view = await layer.store.get(botId);
    if (view?.state === 'ended') return;
    const supervisor = new BotSupervisor({
      botId,
      request,
      ports: {
        credentials: this.options.credentials,
        pages: this.options.pages,
        recorder: this.options.recorder ?? layer.store,
        ourBots: this.options.ourBots,
        clock: systemClock,
      },
      settings: this.options.settings,
      logger,
      start: resumeSituation(view),
    });
    this.active.set(botId, { supervisor });
    try {
      await this.options.ourBots.add(request.meetingNumber, botId, request.displayName);
      if (this.stopping) supervisor.requestLeave('handoff');
      else if (await layer.leaves.isLeaveRequested(botId)) supervisor.requestLeave('left_by_request');
      const outcome = await supervisor.run(signal ?? new AbortController().signal);
      if (outcome.kind === 'ended') {
        await this.options.credentials.release?.(botId, request).catch((error: Error) => {
          logger.warn({ botId, err: error.message }, 'could not release the bot’s Zoom user');
        });
        return;
      }
      if (signal?.aborted) {
        // Lost lock or hard stop: the job is no longer ours to move; BullMQ's stall check requeues it.
        throw new Error('bot handed off after losing its job lock');
      }
      if (!token) throw new Error('no job token to requeue with');
      await requeueForRejoin(job, token);
      throw new DelayedError();
    } finally {
      this.active.delete(botId);
      this.options.recorder?.forget?.(botId);
      await this.options.ourBots.remove(request.meetingNumber, botId).catch(() => {});
    }
  }

  /**
   * SIGTERM. `handoff`: every bot leaves its meeting and is requeued for an immediate rejoin on another
   * worker; returns within `graceMs`. `drain`: take no new bots, wait for the meetings to end.
   */
  async shutdown(mode: 'handoff' | 'drain', graceMs: number): Promise<void> {
    this.stopping = true;
    if (mode === 'handoff')
      for (const { supervisor } of this.active.values()) supervisor.requestLeave('handoff');
    const closed = this.worker.close();
    if (mode === 'drain') {
      await closed;
    } else {
      const graceful = await Promise.race([
        closed.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs).unref()),
      ]);
      if (!graceful) {
        this.options.logger.warn({ bots: this.active.size }, 'handoff grace ran out; stopping hard');
        this.worker.cancelAllJobs('shutdown');
        await this.worker.close(true);
      }
    }
    await this.close();
  }

  /** Releases connections (after `shutdown`, or in tests). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopping = true;
      if (this.memoryTimer) clearInterval(this.memoryTimer);
      await this.worker.close(true).catch(() => {});
      await this.leaveSubscription?.close();
      this.connection.disconnect();
    })();
    return this.closing;
  }
}
