import type { Redis } from 'ioredis';
import type { BotView } from '../../shared/bot-view.js';
import { endForFailedJob, endForLostJob, JOB_LOST, TOO_MANY_STALLS } from '../queue/failed-job-end.js';
import type { QueueKeys } from '../queue/queue-names.js';
import type { StateChange } from '../supervisor/ports.js';
import { type JobStatus, probeJobs } from './job-probe.js';
import { type LiveBot, readLiveBots } from './live-bots.js';
import { findOrphanJobs, type OrphanJob } from './orphan-jobs.js';
import { repairPool } from './pool-load.js';

export interface RoundDeps {
  redis: Redis;
  prefix: string;
  keys: QueueKeys;
  /** The store's normal record path: releases claims, publishes the change (webhooks). */
  store: {
    apply(botId: string, change: StateChange): Promise<BotView | undefined>;
    get(botId: string): Promise<BotView | undefined>;
  };
  leaves: { request(botId: string): Promise<void> };
  queue: { remove(jobId: string): Promise<number> };
  /** RECONCILE_INTERVAL_SEC: also how old a suspect must be before it is acted on. */
  periodMs: number;
  /** Pause between finding suspects and checking them again. */
  confirmDelayMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Renews the lease; throws `LeaseLostError` when another process holds it now. */
  assertHolder: () => Promise<void>;
}

export interface RoundSummary {
  /** Live bots whose job was gone (or had completed without ending them), ended `job_lost`. */
  jobLost: string[];
  /** Live bots whose job failed on BullMQ's stall limit, ended `too_many_stalls`. */
  tooManyStalls: string[];
  /** Live bots whose job failed otherwise, ended `job_failed: <reason>`. */
  jobFailed: string[];
  /** Unfinished jobs without a view, removed from the queue. */
  orphansRemoved: string[];
  /** The same, held by a worker: asked to leave (its job then completes). */
  orphansLeft: string[];
  reservationsReleased: number;
  poolRecounted: number;
}

type Suspect = { bot: LiveBot; status: JobStatus };

/**
 * One reconciler round (docs/contract.md §12), run by the lease holder. A bot is acted on only when
 * what is wrong with it held twice, `confirmDelayMs` apart, and for longer than one period: a bot just
 * created has its view before its job (`BotService.enqueue`), a leave removes the job a moment before
 * ending the view, and a worker's last record may still be being retried while its job completes.
 */
export async function reconcileRound(deps: RoundDeps): Promise<RoundSummary> {
  const summary: RoundSummary = {
    jobLost: [],
    tooManyStalls: [],
    jobFailed: [],
    orphansRemoved: [],
    orphansLeft: [],
    reservationsReleased: 0,
    poolRecounted: 0,
  };
  const live = await readLiveBots(deps.redis, deps.keys);
  const statuses = await probeJobs(
    deps.redis,
    deps.prefix,
    live.map((bot) => bot.id),
  );
  const suspects = live.flatMap((bot): Suspect[] => {
    const status = statuses.get(bot.id);
    return status && isSuspect(bot, status, deps) ? [{ bot, status }] : [];
  });
  const orphans = (await findOrphanJobs(deps.redis, deps.keys)).filter(
    (job) => deps.now() - job.addedMs >= deps.periodMs,
  );

  if (suspects.length > 0 || orphans.length > 0) {
    await deps.sleep(deps.confirmDelayMs);
    await deps.assertHolder();
    await endSuspects(deps, suspects, summary);
    await settleOrphans(deps, orphans, summary);
  }

  await deps.assertHolder();
  const liveIds = new Set(live.map((bot) => bot.id));
  const ended = new Set([...summary.jobLost, ...summary.tooManyStalls, ...summary.jobFailed]);
  const pool = await repairPool(deps.redis, deps.prefix, async (botId) => {
    if (ended.has(botId)) return false;
    if (liveIds.has(botId)) return true;
    // Not live when the round began: created since, or ended. Only a view that says so is trusted.
    try {
      const view = await deps.store.get(botId);
      return view !== undefined && view.state !== 'ended';
    } catch {
      return true;
    }
  });
  summary.reservationsReleased = pool.released;
  summary.poolRecounted = pool.recounted;
  return summary;
}

function isSuspect(bot: LiveBot, status: JobStatus, deps: RoundDeps): boolean {
  const now = deps.now();
  switch (status.kind) {
    case 'present':
      return false;
    case 'missing':
      return now - bot.createdMs >= deps.periodMs;
    case 'completed':
      return now - status.finishedMs >= deps.periodMs;
    case 'failed':
      return true;
  }
}

async function endSuspects(deps: RoundDeps, suspects: Suspect[], summary: RoundSummary): Promise<void> {
  if (suspects.length === 0) return;
  const again = await probeJobs(
    deps.redis,
    deps.prefix,
    suspects.map((s) => s.bot.id),
  );
  for (const { bot } of suspects) {
    const status = again.get(bot.id);
    if (!status || !isSuspect(bot, status, deps)) continue;
    if (status.kind === 'failed') {
      const change = endForFailedJob(status.failedReason);
      const view = await deps.store.apply(bot.id, change);
      if (view?.state !== 'ended' || view.endDetail !== change.endDetail) continue;
      (change.endDetail === TOO_MANY_STALLS ? summary.tooManyStalls : summary.jobFailed).push(bot.id);
      continue;
    }
    // A worker may still run the bot (its job hash deleted under it): it must leave, not linger.
    await deps.leaves.request(bot.id);
    const view = await deps.store.apply(bot.id, endForLostJob());
    if (view?.state === 'ended' && view.endDetail === JOB_LOST) summary.jobLost.push(bot.id);
  }
}

async function settleOrphans(deps: RoundDeps, orphans: OrphanJob[], summary: RoundSummary): Promise<void> {
  if (orphans.length === 0) return;
  const pipeline = deps.redis.pipeline();
  for (const job of orphans) pipeline.exists(deps.keys.bot(job.id));
  const replies = (await pipeline.exec()) ?? [];
  for (const [i, job] of orphans.entries()) {
    const [error, exists] = replies[i] ?? [new Error('no reply'), 1];
    if (error || exists !== 0) continue;
    if ((await deps.queue.remove(job.id)) === 1) {
      summary.orphansRemoved.push(job.id);
    } else {
      // Locked: a worker runs it. The leave flag reaches it even if the message is missed.
      await deps.leaves.request(job.id);
      summary.orphansLeft.push(job.id);
    }
  }
}
