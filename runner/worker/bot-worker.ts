import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { waitAtMost } from '../lifecycle/wait-at-most.js';
import type { Logger } from '../log/logger.js';
import type { ChatRequest, ChatSubscription } from '../meeting-events/chat-channel.js';
import type { MeetingEventMetrics } from '../meeting-events/meeting-event-metrics.js';
import type { MeetingLogs } from '../meeting-events/meeting-log.js';
import { type BotJob, requeueForRejoin } from '../queue/bot-queue.js';
import { reapDeadWorkers, releaseToStallCheck } from '../queue/dead-worker-reaper.js';
import { GoneWorkerWatch, leaseConnectionName } from '../queue/gone-worker-watch.js';
import { parseJobData } from '../queue/job-data.js';
import type { LeaveSubscription } from '../queue/leave-channel.js';
import type { QueueLayer } from '../queue/queue-layer.js';
import { BOT_QUEUE_NAME, queueKeys } from '../queue/queue-names.js';
import { sealWebhookUrl } from '../queue/sealed-webhook-url.js';
import { RedisLease } from '../redis/lease.js';
import { connectRedis } from '../redis/redis-connection.js';
import { isRedisUnavailableError } from '../redis/transient-error.js';
import { BotSupervisor } from '../supervisor/bot-supervisor.js';
import { BotNotInMeetingError } from '../supervisor/chat-errors.js';
import type { BotRecorder, CredentialSource, PageSource } from '../supervisor/ports.js';
import type { SupervisorSettings } from '../supervisor/supervisor-settings.js';
import { systemClock } from '../supervisor/system-clock.js';
import { endBotOfFailedJob } from './failed-job.js';
import type { OurBotsDirectory } from './our-bots-directory.js';
import { firstInMeetingAt, resumeSituation } from './resume-situation.js';
import { WorkerLease } from './worker-lease.js';
import {
  LEASE_CONNECTION_LOST_MS,
  LOCK_SILENCE_LEAVE_MS,
  WORKER_GONE_AFTER_MS,
  WORKER_LEASE_MS,
  WORKER_LEASE_RENEW_MS,
  WORKER_LOCK_SETTINGS,
} from './worker-lock-settings.js';
import { guardedCredentials, type ZoomUserGuard } from './zoom-user-guard.js';

/** How long giving a bot back (its last record, the requeue) may take before the job is left to stall recovery. */
const GIVE_BACK_TIMEOUT_MS = 3_000;
/** How long a finished bot's job waits for its last state changes to be stored (Redis briefly away). */
const RECORDS_SETTLE_MS = 8_000;

export interface BotWorkerOptions {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  layer: QueueLayer;
  credentials: CredentialSource;
  /** Checks each job's Zoom user against its key's allowlist again before every mint (docs/contract.md §10). */
  zoomUserGuard?: ZoomUserGuard | undefined;
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
  /** Where each bot's meeting events go (docs/contract.md §11); without it they are not recorded. */
  meetingLogs?: MeetingLogs | undefined;
  /** Counts the chat messages this process's bots send. */
  meetingMetrics?: MeetingEventMetrics | undefined;
}

interface ActiveBot {
  supervisor: BotSupervisor;
}

/** A run of a bot's job in this process that the watchdog guards (docs/contract.md §12). */
interface HeldBot {
  /** The job's lock token for this run. */
  token: string | undefined;
  /** When this run last knew its lock was its own (`performance.now()`): taken, or a check sent then. */
  vouchedAt: number;
  /**
   * Aborts this run alone. BullMQ tracks a job by its id, so a second run of one bot in this process
   * would make `cancelJob` reach the wrong one; fencing goes through this instead.
   */
  abort: AbortController;
}

/**
 * One worker process's bots: a BullMQ worker whose processor runs one `BotSupervisor` per job for the
 * whole meeting. The job id is the bot id; the job stays active (locked) while the bot is in Zoom.
 */
export class BotWorker {
  private readonly worker: Worker;
  private readonly connection: Redis;
  private readonly active = new Map<string, ActiveBot>();
  /**
   * Bots whose jobs this process runs now and has not fenced, with their jobs' lock tokens: what the
   * lock watchdog guards. A bot leaves it once out of its meeting, before its job is given back.
   */
  private readonly held = new Map<string, HeldBot>();
  /** Bots whose job runs in this process, from the first line of `process` to its last (by token). */
  private readonly running = new Map<string, string | undefined>();
  /** Bots this worker took out of their meetings because it could not keep their locks. */
  private readonly lockLost = new Map<string, string | undefined>();
  /** True while the lease connection is down but the main one answers (a reset only it got). */
  private leaseOnlyDownSince: number | undefined;
  /** What all this process's bots stand on (runner/worker/worker-lease.ts). */
  private readonly lease: WorkerLease;
  /** Its own connection, named for the worker: Redis's client list then shows whether it is alive. */
  private readonly leaseConnection: Redis;
  /** Held by one worker at a time: that one watches the client list for dead workers. */
  private readonly watchLease: RedisLease;
  private readonly goneWatch: GoneWorkerWatch;
  private lockWatch: NodeJS.Timeout | undefined;
  private reaping = false;
  /**
   * Jobs whose run here ended without BullMQ moving them (given back with a DelayedError), by lock
   * token: if the give-back did not go through, the job is still locked by this worker, and its long
   * lock would hold it for a minute. Handed to the stall check once Redis answers.
   */
  private readonly abandoned = new Map<string, string>();
  private verifying = false;
  private releasing = false;
  private loopEnded = false;
  private leaveSubscription: LeaveSubscription | undefined;
  private chatSubscription: ChatSubscription | undefined;
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
      for (const id of jobIds) this.fence(id, 'the lock is no longer ours');
    });
    this.leaseConnection = connectRedis(options.redisUrl, options.logger, 'lease', {
      maxRetriesPerRequest: null,
      connectionName: leaseConnectionName(this.worker.id),
    });
    this.watchLease = new RedisLease(this.connection, queueKeys(options.prefix).workersWatchLeader, 2_000);
    this.goneWatch = new GoneWorkerWatch(this.connection, options.prefix, this.worker.id, {
      goneAfterMs: WORKER_GONE_AFTER_MS,
      settleMs: WORKER_LEASE_MS,
      logger: options.logger,
    });
    this.lease = new WorkerLease(
      this.leaseConnection,
      queueKeys(options.prefix).workerLeases,
      this.worker.id,
      WORKER_LEASE_MS,
      options.logger,
      () => {
        for (const id of this.held.keys()) this.fence(id, 'the worker lease lapsed');
      },
    );
    this.worker.on('error', (error) => this.options.logger.warn({ err: error.message }, 'worker error'));
    // docs/contract.md §12: a job BullMQ failed (its stall limit, a processor that threw) ends its bot.
    this.worker.on('failed', (job, error) => {
      // A malformed job has already ended its bot `invalid_request` before failing.
      if (error instanceof UnrecoverableError && error.message.startsWith('invalid_request')) return;
      void endBotOfFailedJob(job as BotJob | undefined, error, {
        recorder: options.recorder ?? options.layer.store,
        credentials: options.credentials,
        ourBots: options.ourBots,
        crypto: () => options.layer.crypto(),
        logger: options.logger,
      });
    });
  }

  async start(): Promise<void> {
    this.leaveSubscription = await this.options.layer.leaves.subscribe((botId) => {
      this.active.get(botId)?.supervisor.requestLeave('left_by_request');
    });
    this.chatSubscription = await this.options.layer.meetings.chats.subscribe((request) =>
      this.deliverChat(request),
    );
    if (this.options.hasCapacity) {
      const hasCapacity = this.options.hasCapacity;
      this.memoryTimer = setInterval(() => this.gateOnMemory(hasCapacity()), 2_000);
      this.memoryTimer.unref();
    }
    // Registered before the first job is taken: a job's bot never stands on no lease.
    await this.lease.tick();
    if (this.closing) return;
    this.lockWatch = setInterval(() => {
      void this.lease.tick();
      void this.reap();
      void this.verifyLocks();
      void this.releaseAbandoned();
      this.watchLocks();
    }, WORKER_LEASE_RENEW_MS);
    this.lockWatch.unref();
    void this.worker.run().then(
      () => {
        if (!this.stopping) this.loopDied('the job loop returned');
      },
      (error: Error) => this.loopDied(error.message),
    );
    await this.worker.waitUntilReady();
  }

  private loopDied(why: string): void {
    this.loopEnded = true;
    this.options.logger.error({ err: why }, 'worker job loop stopped');
  }

  /** docs/contract.md §11: a chat message for a bot this process holds goes to its page; others are not ours. */
  private deliverChat(request: ChatRequest): void {
    const supervisor = this.active.get(request.botId)?.supervisor;
    if (!supervisor) return;
    const metrics = this.options.meetingMetrics;
    supervisor.sendChat(request.text, request.to).then(
      () => metrics?.chatSends.inc({ outcome: 'sent' }),
      (error: Error) => {
        const notIn = error instanceof BotNotInMeetingError;
        metrics?.chatSends.inc({ outcome: notIn ? 'not_in_meeting' : 'failed' });
        // Never the text: it is the meeting's, not the operator's.
        this.options.logger.warn(
          {
            botId: request.botId,
            requestId: request.requestId,
            err: (error as { code?: string }).code ?? error.name,
          },
          'chat message not sent',
        );
      },
    );
  }

  /** For /livez: false once the job loop has died (the process then takes no job; restart it). */
  alive(): boolean {
    return !this.loopEnded;
  }

  /** How long the lease has gone without a renewal that went through. */
  private leaseSilenceMs(): number {
    return performance.now() - this.lease.lastRenewedAt;
  }

  /**
   * docs/contract.md §12: when the lease has not been renewed for LOCK_SILENCE_LEAVE_MS, every bot
   * leaves its meeting now. Redis may be unreachable (renewals hang or fail), and the lease will soon
   * lapse and the bots pass to another worker: two copies of a bot must never overlap.
   */
  private watchLocks(): void {
    const now = performance.now();
    const silence = this.leaseSilenceMs();
    if (silence > LOCK_SILENCE_LEAVE_MS) {
      for (const botId of [...this.held.keys()])
        this.fence(botId, `no lease renewal for ${Math.round(silence)} ms`);
      return;
    }
    // The job locks live on the main connection: a check of them that has not gone through for as
    // long is the same danger, even while the lease connection is fine.
    for (const [botId, bot] of [...this.held]) {
      const unchecked = now - bot.vouchedAt;
      if (unchecked > LOCK_SILENCE_LEAVE_MS)
        this.fence(botId, `no lock check for ${Math.round(unchecked)} ms`);
    }
    // Only the lease connection down while the main one answers (a reset it alone got, or Redis out of
    // client slots): the watcher of Redis's client list will take this worker for dead, so leave first.
    const mainUp = this.connection.status === 'ready';
    const leaseUp = this.leaseConnection.status === 'ready';
    this.leaseOnlyDownSince = mainUp && !leaseUp ? (this.leaseOnlyDownSince ?? now) : undefined;
    if (this.leaseOnlyDownSince !== undefined && now - this.leaseOnlyDownSince > LEASE_CONNECTION_LOST_MS) {
      for (const botId of [...this.held.keys()]) this.fence(botId, 'the lease connection is down');
    }
  }

  /**
   * Once a second, in two commands for all held bots: every job lock still carries this worker's
   * token (a lock gone by any other way than the lease, say data lost in a Redis failover, must take
   * the bot out at once, as BullMQ's own per-job renewals did), and the jobs leave BullMQ's stalled
   * set, so its stall check looks only at the jobs of workers that stopped saying so.
   */
  private async verifyLocks(): Promise<void> {
    if (this.verifying || this.held.size === 0) return;
    this.verifying = true;
    const ids = [...this.held.keys()];
    const sent = ids.map((id) => this.held.get(id)?.token);
    const sentAt = performance.now();
    const keys = queueKeys(this.options.prefix);
    try {
      const results = await this.connection
        .pipeline()
        .mget(...ids.map((id) => keys.jobLock(id)))
        .srem(keys.bullmq('stalled'), ...ids)
        .exec();
      const [error, tokens] = results?.[0] ?? [new Error('no reply'), null];
      if (error || !Array.isArray(tokens)) return;
      ids.forEach((id, i) => {
        // Only a bot still held under the token it was read for: meanwhile its job may have moved
        // on, even come back to this worker under a new token.
        const token = sent[i];
        const bot = this.held.get(id);
        if (token === undefined || bot?.token !== token) return;
        if (tokens[i] !== token) this.fence(id, 'the job lock is no longer ours');
        else bot.vouchedAt = Math.max(bot.vouchedAt, sentAt);
      });
    } catch {
      // Redis away: the lease watchdog counts the silence.
    } finally {
      this.verifying = false;
    }
  }

  /** docs/contract.md §12: a bot given back while Redis was away is never stuck behind its own lock. */
  private async releaseAbandoned(): Promise<void> {
    if (this.releasing || this.abandoned.size === 0) return;
    this.releasing = true;
    try {
      for (const [jobId, token] of [...this.abandoned]) {
        if (await releaseToStallCheck(this.connection, this.options.prefix, jobId, token))
          this.options.logger.info({ botId: jobId }, 'gave a bot whose give-back failed to the stall check');
        if (this.abandoned.get(jobId) === token) this.abandoned.delete(jobId);
      }
    } catch {
      // Redis still away: next second.
    } finally {
      this.releasing = false;
    }
  }

  /** Gives the bots of workers whose lease lapsed back to the queue (any worker may; it is atomic). */
  private async reap(): Promise<void> {
    if (this.reaping || this.stopping) return;
    this.reaping = true;
    try {
      if (await this.watchLease.acquire()) {
        const gone = await this.goneWatch.check();
        if (gone.length > 0)
          this.options.logger.warn(
            { workers: gone },
            'workers whose lease connection is gone: taken for dead',
          );
      }
      const reaped = await reapDeadWorkers(this.connection, this.options.prefix);
      if (reaped.workers > 0)
        this.options.logger.warn(reaped, 'workers whose lease lapsed: their bots are requeued');
    } catch {
      // Redis away: the next second tries again.
    } finally {
      this.reaping = false;
    }
  }

  /** Takes a bot out of its meeting at once: this worker may no longer own it. */
  private fence(botId: string, why: string): void {
    const bot = this.held.get(botId);
    if (!bot || this.lockLost.has(botId)) return;
    this.lockLost.set(botId, bot.token);
    this.held.delete(botId);
    this.options.logger.warn({ botId, why }, 'lost the job lock; leaving the meeting');
    bot.abort.abort('lock_lost');
  }

  /** Bots this process holds right now. */
  get activeCount(): number {
    return this.active.size;
  }

  /** Ids of the bots this process holds right now (its heartbeat lists them). */
  heldBotIds(): string[] {
    return [...this.active.keys()];
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
    if (job.id && token && this.running.has(job.id)) {
      // Its last run here has not finished (the job came back to us, so that run's lock is gone):
      // one bot, one supervisor. That run leaves now; this one waits in the queue until it is over.
      this.fence(job.id, 'its job came back to this worker');
      try {
        await job.moveToDelayed(Date.now() + 1_000, token);
      } catch (error) {
        // Not the bot's fault: never failed. The job is handed to the stall check instead.
        if (token) this.abandoned.set(job.id, token);
        this.options.logger.warn(
          { botId: job.id, err: (error as Error).message },
          'could not delay a bot job',
        );
      }
      throw new DelayedError();
    }
    // Guarded by the watchdog from now, before any await.
    const own = new AbortController();
    if (job.id) {
      this.running.set(job.id, token);
      this.held.set(job.id, { token, vouchedAt: performance.now(), abort: own });
    }
    const runSignal = signal ? AbortSignal.any([signal, own.signal]) : own.signal;
    let givenBack = false;
    try {
      return await this.runJob(job, token, runSignal);
    } catch (error) {
      givenBack = error instanceof DelayedError || isRedisUnavailableError(error);
      // Redis away is not the bot's fault: failing the job would end the bot. Left active, it is handed
      // to the stall check once Redis answers (`releaseAbandoned`; docs/contract.md §12: never failed).
      if (isRedisUnavailableError(error)) {
        this.options.logger.warn(
          { botId: job.id, err: (error as Error).message },
          'Redis unavailable while running a bot job; leaving it to stall recovery',
        );
        throw new DelayedError();
      }
      throw error;
    } finally {
      // Only this run's entries: a new run of the bot may have started here meanwhile.
      if (job.id && this.held.get(job.id)?.abort === own) this.held.delete(job.id);
      if (job.id && this.lockLost.has(job.id) && this.lockLost.get(job.id) === token)
        this.lockLost.delete(job.id);
      if (givenBack && job.id && token) this.abandoned.set(job.id, token);
      // The very last step: until here a new run of this bot waits (see the top).
      if (job.id && this.running.get(job.id) === token) this.running.delete(job.id);
    }
  }

  private async runJob(job: BotJob, token: string | undefined, signal: AbortSignal): Promise<void> {
    const { layer, logger } = this.options;
    if (this.options.hasCapacity && !this.options.hasCapacity() && token) {
      // Taken just before the memory gate closed: give it back for a worker with room.
      this.gateOnMemory(false);
      if (job.id) this.held.delete(job.id);
      await job.moveToDelayed(Date.now() + 1_000, token);
      throw new DelayedError();
    }
    if (token && (!this.lease.held || this.leaseSilenceMs() > LOCK_SILENCE_LEAVE_MS / 2)) {
      // Taken while this worker's lease lapsed or is at risk: a bot that joined now could be reaped
      // and joined again elsewhere. Back to the queue for a worker on firm ground.
      if (job.id) this.held.delete(job.id);
      await job.moveToDelayed(Date.now() + 1_000, token);
      throw new DelayedError();
    }
    const crypto = await layer.crypto();
    const parsed = parseJobData(job.id, job.data, crypto);
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
    const { botId, request, owner } = parsed;
    const stored = await layer.store.getStored(botId);
    const view = stored?.view;
    if (view?.state === 'ended') return;
    // Every write about this bot carries this job's lock token: once the lock has passed to another
    // worker, the store drops what this one still says (docs/contract.md §12).
    const base = this.options.recorder ?? layer.store;
    // docs/contract.md §11: what the bot sees, in its own log, fenced by the same lock.
    const webhook =
      request.webhookUrl === undefined ? undefined : sealWebhookUrl(crypto, botId, request.webhookUrl);
    const meetingLog = this.options.meetingLogs?.open(botId, request, token, webhook);
    const recorder: BotRecorder = {
      record: async (id, change) => {
        // A follower stops at `ended`: every meeting event must be stored before it.
        if (change.state === 'ended' && meetingLog) await bounded(meetingLog.flush());
        return base.record(id, change, token !== undefined ? { lockToken: token } : undefined);
      },
    };
    const supervisor = new BotSupervisor({
      botId,
      request,
      ports: {
        credentials: this.options.zoomUserGuard
          ? guardedCredentials(this.options.credentials, this.options.zoomUserGuard, owner)
          : this.options.credentials,
        pages: this.options.pages,
        recorder,
        ourBots: this.options.ourBots,
        clock: systemClock,
        meetingEvents: meetingLog,
      },
      settings: this.options.settings,
      logger,
      start: resumeSituation(view),
      // docs/contract.md: the max-duration clock runs from the bot's first `in_meeting`, in any run.
      firstInMeetingAt: firstInMeetingAt(stored),
    });
    this.active.set(botId, { supervisor });
    try {
      await this.options.ourBots.add(request.meetingNumber, botId, request.displayName);
      if (this.stopping) supervisor.requestLeave('handoff');
      else if (await layer.leaves.isLeaveRequested(botId)) supervisor.requestLeave('left_by_request');
      const outcome = await supervisor.run(signal);
      // Out of its meeting: nothing left to fence, and its lock goes when the job is given back.
      this.held.delete(botId);
      // Changes still being retried go through under this job's lock, which is renewed until the job
      // moves on: once it has, they would be fenced off and lost (the final `ended` among them).
      await bounded(this.options.recorder?.settled?.(botId) ?? Promise.resolve(), RECORDS_SETTLE_MS);
      if (outcome.kind === 'ended') {
        await this.options.credentials.release?.(botId, request).catch((error: Error) => {
          logger.warn({ botId, err: error.message }, 'could not release the bot’s Zoom user');
        });
        return;
      }
      if (signal.aborted) {
        await this.giveBack(job, token, botId, recorder);
        // Nothing for BullMQ to move: the job is requeued, or left active for the stall check (handed
        // to it once Redis answers, or by the reaper once this worker is gone). Never failed: a lost
        // lock or a hard stop is not the bot's fault.
        throw new DelayedError();
      }
      if (!token) throw new Error('no job token to requeue with');
      await requeueForRejoin(job, token);
      throw new DelayedError();
    } finally {
      if (this.active.get(botId)?.supervisor === supervisor) this.active.delete(botId);
      await meetingLog?.close();
      this.options.recorder?.forget?.(botId);
      await this.options.ourBots.remove(request.meetingNumber, botId).catch(() => {});
    }
  }

  /**
   * A bot taken out of its meeting by a lost lock or a hard stop: say why, and requeue it for an
   * immediate rejoin, both only while this worker still holds the lock (fenced by its token). Redis
   * may be unreachable: each step is bounded, and what does not go through is left to stall recovery.
   */
  private async giveBack(
    job: BotJob,
    token: string | undefined,
    botId: string,
    recorder: BotRecorder,
  ): Promise<void> {
    if (token === undefined) return;
    if (this.lockLost.has(botId)) {
      await bounded(recorder.record(botId, { state: 'rejoining', reason: 'lock_lost' }));
    }
    await bounded(requeueForRejoin(job, token));
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
        for (const bot of this.held.values()) bot.abort.abort('shutdown');
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
      if (this.lockWatch) clearInterval(this.lockWatch);
      await this.worker.close(true).catch(() => {});
      // Nothing left on the lease: drop it now rather than have a reaper find it lapsed. With bots
      // left behind (a hard stop) it is left to the watcher and the reaper, after their pages closed.
      await bounded(this.releaseAbandoned());
      if (this.active.size === 0) await bounded(this.lease.release());
      await bounded(this.watchLease.release());
      await this.leaveSubscription?.close();
      await this.chatSubscription?.close();
      this.connection.disconnect();
      // Bots left behind (a hard stop) have been aborted; their pages close with the browser pool,
      // which stops right after this part, well before the client-list watcher misses this
      // connection for WORKER_GONE_AFTER_MS.
      this.leaseConnection.disconnect();
    })();
    return this.closing;
  }
}

/** Waits for `work` at most GIVE_BACK_TIMEOUT_MS; a failure or a timeout is not an error here. */
async function bounded(work: Promise<unknown>, ms = GIVE_BACK_TIMEOUT_MS): Promise<void> {
  await waitAtMost(
    work.catch(() => undefined),
    ms,
  );
}
